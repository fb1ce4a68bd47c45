/**
 * The emulator's admin API over HTTPS: with a certificate for every broker (`tls`, the CLI's
 * `--tls-cert`/`--tls-key`), or one of a broker's own given when its machine is provisioned.
 * Checked with the project's client (a CA it trusts, and none) and with raw TLS handshakes.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BrokerClient, Cluster } from "../../../procedures/client";
import { createCertificateAuthority, issueBrokerCertificate } from "../../../providers/certificates";
import { findFreeRange, startSim } from "../../../sim";
import { serialOfPem, servedSerial } from "../helpers/tls";
import { call, FAST, obj, waitFor } from "./helpers";

const ca = createCertificateAuthority("sim test CA", 1);
const loopback = { dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"] };
const shared = issueBrokerCertificate(ca, 0, loopback, 1);
const fast = { retry: { retries: 0 } };

describe("the emulator's admin API over TLS", () => {
  it("serves every broker over HTTPS with the emulator's certificate: trusted with the CA, refused without", async () => {
    const sim = await startSim({
      ...FAST,
      brokers: 3,
      tls: { cert: shared.certificate, key: shared.privateKey },
    });
    try {
      expect(sim.brokerUrl(1)).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(sim.controlUrl).toMatch(/^http:\/\//);
      const cluster = new Cluster([sim.brokerUrl(1), sim.brokerUrl(2)], { ca: ca.certificate, ...fast });
      try {
        const members = await waitFor("3 active members", async () => {
          const m = await cluster.admin.members();
          return m.members.filter((x) => x.state === "active").length === 3 ? m : undefined;
        });
        expect(members.members.map((m) => m.admin_url)).toEqual([1, 2, 3].map((id) => sim.brokerUrl(id)));
      } finally {
        await cluster.close();
      }
      const untrusted = new BrokerClient(sim.brokerUrl(1), fast);
      await expect(untrusted.live()).rejects.toThrow(/self-signed|unable to verify|UNABLE_TO_VERIFY/i);
      await untrusted.close();
      // Plain HTTP to a TLS port gets no answer from the admin API.
      await expect(call(sim.brokerUrl(1).replace("https:", "http:"), "GET", "/health")).rejects.toThrow();
    } finally {
      await sim.stop();
    }
  });

  it("serves a provisioned broker with the certificate its machine was given; the others stay plain", async () => {
    const sim = await startSim({ ...FAST, brokers: 1 });
    const own = issueBrokerCertificate(ca, 2, loopback, 1);
    try {
      const res = await call(sim.controlUrl, "POST", "/sim/brokers", {
        broker_id: 2,
        rack: "b",
        tls: { cert: own.certificate, key: own.privateKey },
      });
      expect(res.status).toBe(201);
      expect(obj(res)["admin_url"]).toBe(`https://127.0.0.1:${sim.basePort + 2}`);
      expect(sim.brokerUrl(1)).toBe(`http://127.0.0.1:${sim.basePort + 1}`);
      expect(await servedSerial(sim.brokerUrl(2), ca.certificate)).toBe(serialOfPem(own.certificate));
      const client = new BrokerClient(sim.brokerUrl(2), { ca: ca.certificate, ...fast });
      expect((await client.live()).status).toBe("live");
      await client.close();
      // A new certificate is written like a config file: served from the broker's next start.
      const next = issueBrokerCertificate(ca, 2, loopback, 1);
      const put = await call(sim.controlUrl, "PUT", "/sim/brokers/2/config", {
        config: "x",
        tls: { cert: next.certificate, key: next.privateKey },
      });
      expect(obj(put)["restart_pending"]).toBe(true);
      expect(await servedSerial(sim.brokerUrl(2), ca.certificate)).not.toBe(serialOfPem(next.certificate));
      await call(sim.controlUrl, "POST", "/sim/brokers/2/restart");
      expect(await servedSerial(sim.brokerUrl(2), ca.certificate)).toBe(serialOfPem(next.certificate));
      // A body that is no certificate is refused, naming the field.
      const bad = await call(sim.controlUrl, "POST", "/sim/brokers", {
        broker_id: 3,
        tls: { cert: "x", key: "y" },
      });
      expect(bad.status).toBe(400);
      expect(bad.text).toContain("must be a PEM certificate");
    } finally {
      await sim.stop();
    }
  });

  it("streambus-sim --tls-cert/--tls-key serves HTTPS, and refuses one without the other", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sb-sim-tls-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, "cert.pem"), shared.certificate);
    writeFileSync(join(dir, "key.pem"), shared.privateKey, { mode: 0o600 });
    const bin = join(__dirname, "../../../bin/streambus-sim.js");
    const half = spawn(process.execPath, [bin, "--tls-cert", join(dir, "cert.pem")], { stdio: "pipe" });
    let halfErr = "";
    half.stderr.on("data", (d: Buffer) => (halfErr += d.toString()));
    expect(await new Promise((r) => half.on("exit", r))).toBe(2);
    expect(halfErr).toContain("--tls-cert and --tls-key go together");

    const base = await findFreeRange(4);
    const child = spawn(
      process.execPath,
      [
        bin,
        "--base-port",
        String(base),
        "--brokers",
        "1",
        "--quiet",
        "--tls-cert",
        join(dir, "cert.pem"),
        "--tls-key",
        join(dir, "key.pem"),
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise((r) => child.on("exit", r));
    try {
      await waitFor("ready", async () => out.includes("ready"), 10_000);
      expect(out).toContain("broker i at https://127.0.0.1");
      const client = new BrokerClient(`https://127.0.0.1:${base + 1}`, { ca: ca.certificate, ...fast });
      await waitFor("broker 1 live", async () => (await client.live()).status === "live", 10_000);
      await client.close();
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  });
});
