import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSim, type SimCluster } from "../sim";
import { connect, withCluster } from "./admin";
import { createCertificateAuthority, issueBrokerCertificate } from "./certificates";

/** The providers' access to the cluster over TLS, against the emulator serving a certificate of the stack's CA. */
const ca = createCertificateAuthority("admin test CA", 1);
const other = createCertificateAuthority("another CA", 1);
const pair = issueBrokerCertificate(ca, 1, { dnsNames: [], ipAddresses: ["127.0.0.1"] }, 1);
let sim: SimCluster;

beforeAll(async () => {
  sim = await startSim({
    brokers: 1,
    registerDelayMs: 50,
    electionDelayMs: 100,
    tickMs: 50,
    tls: { cert: pair.certificate, key: pair.privateKey },
  });
});
afterAll(() => sim.stop());

describe("providers' cluster access with TLS", () => {
  it("trusts the resource's CA (the old and the new one during a change) and leaves out one not known yet", async () => {
    const urls = { "1": sim.brokerUrl(1) };
    expect(urls["1"]).toMatch(/^https:/);
    const live = await withCluster({ adminUrls: urls, caCertificate: ca.certificate }, (c) =>
      c.admin.members(),
    );
    expect(live.cluster_id).toMatch(/^sb-sim-/);
    const both = connect(
      { adminUrls: urls, caCertificate: other.certificate },
      { caCertificate: ca.certificate },
    );
    expect(both.options.ca).toEqual([other.certificate, ca.certificate]);
    await both.close();
    // A preview before the stack made its CA passes the engine's unknown: no CA, not garbage to TLS.
    const unknown = connect({ adminUrls: urls, caCertificate: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" });
    expect(unknown.options.ca).toBeUndefined();
    await unknown.close();
  });

  it("says what to do when the brokers' certificates are not the stack CA's", async () => {
    const refused = await withCluster(
      { adminUrls: { "1": sim.brokerUrl(1) }, caCertificate: other.certificate },
      (c) => c.refresh(),
    ).catch((e: unknown) => e as Error);
    expect(String((refused as Error).message)).toContain(
      "its certificate is not signed by a CA this client trusts (UNABLE_TO_VERIFY_LEAF_SIGNATURE); the stack's CA " +
        "(streambus:tls.caCertificate, or the CA the stack made: `pulumi stack output caCertificate`) did not sign it",
    );
    const plain = await withCluster({ adminUrls: { "1": sim.brokerUrl(1) } }, (c) => c.refresh()).catch(
      (e: unknown) => e as Error,
    );
    expect(String((plain as Error).message)).toContain("streambus:tls.enabled is false");
  });
});
