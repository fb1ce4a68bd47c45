import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { createCertificateAuthority, issueBrokerCertificate } from "../providers/certificates";
import { StackConfigError, parseStackConfig } from "./config";

const emulator = (): Record<string, unknown> => ({
  platform: "local",
  local: { controlUrl: "http://127.0.0.1:7070" },
});
const kube = (): Record<string, unknown> => ({
  platform: "kubernetes",
  adminToken: "t0ken",
  kubernetes: { image: "ghcr.io/streambus/broker:1.4.2" },
});
const ca = createCertificateAuthority("operator CA", 30);

function problemsOf(raw: Record<string, unknown>): string[] {
  try {
    parseStackConfig(raw);
  } catch (error) {
    if (error instanceof StackConfigError) return [...error.problems];
    throw error;
  }
  throw new Error("the config was accepted");
}

describe("streambus:tls", () => {
  it("is on by default on aws and kubernetes, off on the emulator unless set", () => {
    expect(parseStackConfig(kube()).tls).toEqual({ enabled: true, validityDays: 825 });
    expect(parseStackConfig(emulator()).tls).toEqual({ enabled: false, validityDays: 825 });
    expect(parseStackConfig({ ...emulator(), tls: { enabled: true } }).tls.enabled).toBe(true);
    expect(parseStackConfig({ ...kube(), tls: { enabled: false } }).tls.enabled).toBe(false);
    // An operator's CA on the emulator means TLS, unless it says otherwise.
    expect(
      parseStackConfig({ ...emulator(), tls: { caCertificate: ca.certificate, caKey: ca.privateKey } }).tls
        .enabled,
    ).toBe(true);
  });

  it("takes the operator's CA, its key made a secret Output", async () => {
    const config = parseStackConfig({
      ...kube(),
      tls: { caCertificate: ca.certificate, caKey: ca.privateKey, validityDays: 90 },
    });
    expect(config.tls.caCertificate).toBe(ca.certificate);
    expect(config.tls.validityDays).toBe(90);
    const key = config.tls.caKey as pulumi.Output<string>;
    expect(pulumi.Output.isInstance(key)).toBe(true);
    expect(await (key as unknown as { isSecret: Promise<boolean> }).isSecret).toBe(true);
  });

  it("refuses half a CA, a CA that is not one, a key that is not its own, naming the field and the fix, never the key", () => {
    const set = '`pulumi config set --secret --path streambus:tls.caKey -- "$(cat ca.key)"`';
    expect(problemsOf({ ...kube(), tls: { caCertificate: ca.certificate } })).toEqual([
      `streambus:tls.caCertificate: needs tls.caKey, the CA's private key, to sign each broker's certificate: ${set}` +
        ` (got ${JSON.stringify(ca.certificate).slice(0, 77)}...)`,
    ]);
    expect(problemsOf({ ...kube(), tls: { caKey: ca.privateKey } })).toEqual([
      "streambus:tls.caKey: is set without tls.caCertificate: give the CA's certificate too " +
        '(`pulumi config set --path streambus:tls.caCertificate -- "$(cat ca.pem)"`), or neither and the stack ' +
        "makes its own CA (got (value hidden))",
    ]);
    const other = createCertificateAuthority("other", 1);
    const wrongKey = problemsOf({
      ...kube(),
      tls: { caCertificate: ca.certificate, caKey: other.privateKey },
    });
    expect(wrongKey).toEqual([
      `streambus:tls.caKey: is not the private key of caCertificate: ${set} (got (value hidden))`,
    ]);
    const leaf = issueBrokerCertificate(ca, 1, { dnsNames: ["b1"], ipAddresses: [] }, 1);
    expect(
      problemsOf({ ...kube(), tls: { caCertificate: leaf.certificate, caKey: leaf.privateKey } })[0],
    ).toMatch(
      /^streambus:tls\.caCertificate: is not a CA certificate \(basicConstraints CA:TRUE is missing\)/,
    );
    expect(
      problemsOf({
        ...kube(),
        tls: { enabled: false, caCertificate: ca.certificate, caKey: ca.privateKey },
      })[0],
    ).toMatch(
      /^streambus:tls\.caCertificate: is set while tls\.enabled is false: remove it, or set tls\.enabled: true/,
    );
    expect(problemsOf({ ...kube(), tls: { caCertificate: "hello", caKey: 3 } })).toEqual([
      'streambus:tls.caCertificate: must be a PEM CA certificate: `pulumi config set --path streambus:tls.caCertificate -- "$(cat ca.pem)"` (got "hello")',
      `streambus:tls.caKey: must be the CA's PEM private key, set as a secret: ${set} (got (value hidden))`,
    ]);
    for (const problems of [wrongKey, problemsOf({ ...kube(), tls: { caKey: ca.privateKey } })])
      expect(problems.join("\n")).not.toContain(ca.privateKey.split("\n")[1]!.slice(0, 20));
    expect(problemsOf({ ...kube(), tls: { enabled: "yes", port: 1 } })).toEqual([
      'streambus:tls.enabled: must be true or false (got "yes"); e.g. `pulumi config set --path streambus:tls.enabled true`',
      "streambus:tls.port: unknown key; allowed here: enabled, caCertificate, caKey, validityDays; " +
        "remove it: `pulumi config rm --path streambus:tls.port`",
    ]);
  });
});
