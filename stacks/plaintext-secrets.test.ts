import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";

/**
 * A secret key stored in plaintext, as `pulumi config set streambus:adminToken t0ken` (without
 * `--secret`) leaves it: the refusal names the stack's own file, where the value already sits in
 * clear, how to remove and set it again, and that a committed file keeps it in its git history.
 */
let loadConfig: typeof import("./config.js").loadConfig;

beforeAll(async () => {
  // The stack's name comes from the engine; the mocks give it one ("staging").
  await pulumi.runtime.setMocks(
    { newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }), call: (args) => args.inputs },
    "streambus",
    "staging",
  );
  ({ loadConfig } = await import("./config.js"));
});

const kubernetes = {
  "streambus:platform": "kubernetes",
  "streambus:kubernetes": JSON.stringify({ image: "ghcr.io/streambus/broker:1.4.2" }),
};

describe("a secret key stored in plaintext", () => {
  it("adminToken: names Pulumi.staging.yaml, `config rm` then `config set --secret`, and rotating the token", () => {
    pulumi.runtime.setAllConfig({ ...kubernetes, "streambus:adminToken": "t0ken-in-clear" });
    let message = "";
    try {
      loadConfig();
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe(
      "invalid stack config (1 problem):\n" +
        "  - streambus:adminToken: must be set as a secret: `pulumi config set --secret streambus:adminToken <token>`; " +
        "it is stored in clear in Pulumi.staging.yaml now: remove it first with `pulumi config rm streambus:adminToken`, " +
        "then set it as above. If Pulumi.staging.yaml was ever committed, the old value stays in that file's git " +
        "history: rotate the token",
    );
    expect(message).not.toContain("t0ken-in-clear");
  });

  it("sshPrivateKey and tls.caKey: the same, each with its own commands", () => {
    pulumi.runtime.setAllConfig({
      "streambus:platform": "aws",
      "streambus:sshPrivateKey": "-----BEGIN KEY-----",
      "streambus:tls": JSON.stringify({ caKey: "-----BEGIN PRIVATE KEY-----" }),
    });
    expect(() => loadConfig()).toThrow(
      "streambus:sshPrivateKey: must be set as a secret: " +
        '`pulumi config set --secret streambus:sshPrivateKey -- "$(cat key.pem)"`; it is stored in clear in ' +
        "Pulumi.staging.yaml now: remove it first with `pulumi config rm streambus:sshPrivateKey`",
    );
    expect(() => loadConfig()).toThrow(
      "streambus:tls.caKey: must be set as a secret: " +
        '`pulumi config set --secret --path streambus:tls.caKey -- "$(cat ca.key)"`; it is stored in clear in ' +
        "Pulumi.staging.yaml now: remove it first with `pulumi config rm --path streambus:tls.caKey`, then set it " +
        "as above. If Pulumi.staging.yaml was ever committed, the old value stays in that file's git history: rotate the CA",
    );
  });

  it("set as a secret, it is taken", () => {
    pulumi.runtime.setAllConfig({ ...kubernetes, "streambus:adminToken": "s3cret" }, [
      "streambus:adminToken",
    ]);
    expect(loadConfig().platform).toBe("kubernetes");
  });
});
