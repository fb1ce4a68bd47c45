import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSim, type SimCluster } from "../sim";
import { serialOfPem, servedSerial } from "../test/integration/helpers/tls";
import { createCertificateAuthority, issueBrokerCertificate } from "./certificates";
import { checkLocalBrokerInputs, provider } from "./local-broker";

/** The local broker provider with a certificate, against the real emulator's control API. */
const ca = createCertificateAuthority("local-broker test CA", 1);
const loopback = { dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"] };
let sim: SimCluster;

beforeAll(async () => {
  sim = await startSim({ registerDelayMs: 50, electionDelayMs: 300, tickMs: 50 });
});
afterAll(() => sim.stop());

describe("a local broker with a certificate", () => {
  it("is provisioned serving HTTPS with it; the key stays out of the outputs; a new one is served after a restart", async () => {
    const pair = issueBrokerCertificate(ca, 1, loopback, 1);
    const inputs = {
      controlUrl: sim.controlUrl,
      brokerId: 1,
      rack: "a",
      config: "broker: {id: 1}\n",
      tlsCertificate: pair.certificate,
      tlsKey: pair.privateKey,
      tls: true,
    };
    const created = await provider.create(inputs);
    const outs = created.outs!;
    expect(outs.adminUrl).toBe(`https://127.0.0.1:${sim.basePort + 1}`);
    expect("tlsKey" in outs).toBe(false);
    expect(JSON.stringify(outs)).not.toContain("PRIVATE KEY");
    expect(await servedSerial(outs.adminUrl, ca.certificate)).toBe(serialOfPem(pair.certificate));

    const next = issueBrokerCertificate(ca, 1, loopback, 1);
    const news = { ...inputs, tlsCertificate: next.certificate, tlsKey: next.privateKey };
    expect(await provider.diff!("1", outs, news)).toMatchObject({ changes: true, replaces: [] });
    const updated = await provider.update!("1", outs, news);
    expect(JSON.stringify(updated.outs)).not.toContain("PRIVATE KEY");
    await fetch(`${sim.controlUrl}/sim/brokers/1/restart`, { method: "POST" });
    expect(await servedSerial(outs.adminUrl, ca.certificate)).toBe(serialOfPem(next.certificate));
    await provider.delete!("1", outs);
  });

  it("refuses to switch a running broker between http and https, saying what to do", async () => {
    const plain = { controlUrl: sim.controlUrl, brokerId: 5, rack: "a", adminUrl: "http://127.0.0.1:1" };
    const pair = issueBrokerCertificate(ca, 5, loopback, 1);
    await expect(
      provider.diff!("5", plain, {
        ...plain,
        tls: true,
        tlsCertificate: pair.certificate,
        tlsKey: pair.privateKey,
      }),
    ).rejects.toThrow(
      "local broker 5: streambus:tls.enabled changed while the broker runs (http → https): the emulator serves " +
        "the new scheme only from the broker's next start; set streambus:tls.enabled back, or `pulumi destroy` and " +
        "`pulumi up` the local cluster (its data is throwaway)",
    );
  });

  it("refuses a certificate without its key (and a key without its certificate) before planning", () => {
    const base = { controlUrl: "http://127.0.0.1:1", brokerId: 1, rack: "a" };
    expect(checkLocalBrokerInputs({ ...base, tlsCertificate: "c" })).toEqual([
      {
        property: "tlsKey",
        reason: "tlsCertificate and tlsKey go together: give both, or neither for plain HTTP",
      },
    ]);
    expect(checkLocalBrokerInputs({ ...base, tlsKey: "k" })[0]?.property).toBe("tlsCertificate");
  });
});
