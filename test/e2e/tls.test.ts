/**
 * TLS on the admin API through the real engine: a local stack with `streambus:tls.enabled: true`
 * makes its CA and a certificate per broker, the emulator serves each broker's admin API over
 * HTTPS with its own certificate, membership and settings reach it trusting the CA, the stack
 * outputs https admin URLs and the CA, `streambus-ops --ca-file` trusts it and refuses another CA
 * naming the file and the fix, and no private key is in the state, the outputs or the engine's log.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Cluster } from "../../procedures/client";
import { createCertificateAuthority } from "../../providers/certificates";
import type { TestSim } from "../integration/helpers/sim";
import { ensureBuilt, runCli } from "../integration/cli/helpers";
import { createE2EStack, repoRoot, type E2EStack } from "./harness";
import { expectIntact, localConfig, startEmptySim, TOKEN, upWithOutput } from "./membership-helpers";

describe("a local stack with TLS on", () => {
  let t: TestSim;
  let e2e: E2EStack;
  const dir = mkdtempSync(join(tmpdir(), "sb-e2e-tls-"));
  let adminUrls: Record<string, string> = {};
  let upText = "";

  beforeAll(async () => {
    ensureBuilt();
    t = await startEmptySim();
    e2e = await createE2EStack("tls");
    await e2e.stack.setAllConfig({
      ...localConfig(t, [1, 2, 3]),
      "streambus:tls": { value: JSON.stringify({ enabled: true, validityDays: 30 }) },
    });
  }, 120_000);
  afterAll(async () => {
    await e2e?.cleanup();
    await t?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 180_000);

  it("comes up with https admin URLs and outputs the CA that signed them", async () => {
    const up = await upWithOutput(e2e);
    upText = up.text;
    expect(up.error?.message ?? "", up.text.slice(-2000)).toBe("");
    expect(up.ok).toBe(true);
    const outputs = await e2e.stack.outputs();
    adminUrls = outputs.adminUrls?.value as Record<string, string>;
    expect(Object.keys(adminUrls)).toEqual(["1", "2", "3"]);
    for (const url of Object.values(adminUrls)) expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const ca = outputs.caCertificate;
    expect(ca?.secret).toBe(false);
    expect(String(ca?.value)).toMatch(/^-----BEGIN CERTIFICATE-----/);
    writeFileSync(join(dir, "ca.pem"), String(ca?.value));
    // Membership joined the brokers over HTTPS, trusting the stack's CA.
    const cluster = new Cluster(Object.values(adminUrls), { token: TOKEN, ca: String(ca?.value) });
    try {
      const members = await cluster.refresh();
      expect(
        members.members
          .filter((m) => m.state === "active")
          .map((m) => m.broker_id)
          .sort(),
      ).toEqual([1, 2, 3]);
      expect(members.members.map((m) => m.admin_url).sort()).toEqual(Object.values(adminUrls).sort());
    } finally {
      await cluster.close();
    }
  }, 180_000);

  it("streambus-ops health trusts the stack's CA file, and refuses another CA naming the file and the fix", async () => {
    const brokers = Object.values(adminUrls).join(",");
    const env = { STREAMBUS_ADMIN_TOKEN: TOKEN };
    const ok = await runCli(["health", "--brokers", brokers, "--ca-file", join(dir, "ca.pem")], env);
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);

    const wrong = join(dir, "wrong-ca.pem");
    writeFileSync(wrong, createCertificateAuthority("someone else's CA", 1).certificate);
    const refused = await runCli(["health", "--brokers", brokers, "--ca-file", wrong], env);
    expect(refused.code).toBe(2); // the caller's setup, like a refused token
    expect(refused.stderr).toContain("its certificate is not signed by a CA this client trusts");
    expect(refused.stderr).toContain(`the CA in --ca-file ${wrong} did not sign it`);
    expect(refused.stderr).toContain(
      "pass --ca-file (or STREAMBUS_CA_FILE) with the CA that signed the brokers' certificates",
    );
    expect(refused.stderr).toContain("pulumi stack output caCertificate");
    expect(refused.stderr.trim().split("\n")).toHaveLength(1);
  }, 60_000);

  it("keeps every private key out of the state's plaintext, the outputs and the engine's log", async () => {
    const exported = await e2e.pulumi("stack", "export");
    expect(exported.code).toBe(0);
    expect(exported.stdout).not.toContain("PRIVATE KEY");
    expect(await e2e.readStateFile()).not.toContain("PRIVATE KEY");
    // The keys are there, encrypted: each certificate resource has a secret privateKey.
    const state = JSON.parse(exported.stdout) as {
      deployment: {
        resources: Array<{
          type: string;
          outputs?: Record<string, unknown>;
          inputs?: Record<string, unknown>;
        }>;
      };
    };
    const certs = state.deployment.resources.filter((r) =>
      /streambus:(BrokerCertificate|CertificateAuthority)$/.test(r.type),
    );
    expect(certs).toHaveLength(4);
    for (const cert of certs) {
      expect(JSON.stringify(cert.outputs?.privateKey)).toContain("ciphertext");
      expect(String(cert.outputs?.certificate)).toContain("-----BEGIN CERTIFICATE-----");
    }
    const shown = await e2e.pulumi("stack", "output", "--json");
    expect(shown.stdout).not.toContain("PRIVATE KEY");
    expect(upText).not.toContain("PRIVATE KEY");
  }, 60_000);

  it("is stable: a second preview changes nothing (the certificates live in the state)", async () => {
    const preview = await e2e.stack.preview({ expectNoChanges: true });
    const changes = Object.entries(preview.changeSummary).filter(([op, n]) => op !== "same" && n > 0);
    expect(changes).toEqual([]);
    await expectIntact(t);
  }, 120_000);

  it("takes the operator's CA only with its key as secret config: refused in plaintext, naming the fix", async () => {
    const operator = createCertificateAuthority("operator CA", 30);
    const keyLine = operator.privateKey.split("\n")[1]!;
    await e2e.stack.setConfig("streambus:tls", {
      value: JSON.stringify({
        enabled: true,
        caCertificate: operator.certificate,
        caKey: operator.privateKey,
      }),
    });
    const refused = (await e2e.stack.preview().catch((e: unknown) => e)) as Error;
    expect(refused).toBeInstanceOf(Error);
    expect(refused.message).toContain(
      "streambus:tls.caKey: must be set as a secret: `pulumi config set --secret --path streambus:tls.caKey",
    );
    expect(refused.message).not.toContain(keyLine);

    // Set as a secret (`pulumi config set --secret --path`): the preview plans the brokers'
    // certificates anew from the operator's CA, and the config file holds the key encrypted.
    await e2e.stack.removeConfig("streambus:tls");
    await e2e.stack.setConfig("streambus:tls.caCertificate", { value: operator.certificate }, true);
    await e2e.stack.setConfig("streambus:tls.caKey", { value: operator.privateKey, secret: true }, true);
    const preview = await e2e.stack.preview({ diff: true });
    expect(preview.changeSummary.replace ?? 0).toBeGreaterThanOrEqual(3);
    expect(preview.stdout).not.toContain(keyLine);
    const { readFile } = await import("node:fs/promises");
    const stackFile = await readFile(join(repoRoot, `Pulumi.${e2e.name}.yaml`), "utf8");
    expect(stackFile).toContain("secure:");
    expect(stackFile).not.toContain(keyLine);
  }, 120_000);
});
