import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, runCli } from "../integration/cli/helpers";
import { createE2EStack, repoRoot, runPulumi, type E2EStack } from "./harness";

/**
 * `streambus-ops replicate` and `parity` on two local stacks of this project, through the plain
 * `pulumi` CLI: the target is made from the source and an overlay (its own secret generated, the
 * source's never copied), parity then finds only what the operator still has to set, and a value
 * changed by hand in the target is a difference the overlay does not explain.
 */
const PULUMI_ENV = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => k.startsWith("PULUMI_") || k.startsWith("STREAMBUS_")),
);
const ops = (...args: string[]) => runCli(args, PULUMI_ENV);

const SOURCE_TOKEN = "sb-e2e-replicate-source-token-5f2c9a";
const SOURCE_KEY = "ssh-private-key-e2e-replicate-source";

describe("replicate and parity on two local stacks", () => {
  let source: E2EStack;
  let target: string;
  let dir: string;
  let overlay: string;
  const set = async (stack: string, ...args: string[]) => {
    const r = await runPulumi(["config", "set", ...args, "--stack", stack]);
    expect(r.code, r.stderr).toBe(0);
  };

  beforeAll(async () => {
    ensureBuilt();
    dir = await mkdtemp(join(tmpdir(), "streambus-replicate-"));
    source = await createE2EStack("repl-src");
    target = source.name.replace("repl-src", "repl-dst");
    const s = source.name;
    await set(s, "streambus:platform", "local");
    await set(s, "streambus:brokers", "5");
    await set(s, "--path", "streambus:local.controlUrl", "http://127.0.0.1:7070");
    await set(s, "--path", "streambus:retention.maxAge", "7d");
    await set(s, "--path", "streambus:quotas.default.produceRate", "10000");
    await set(s, "--path", "streambus:rebalance.throttle", "50MB/s");
    await set(s, "--secret", "streambus:adminToken", SOURCE_TOKEN);
    await set(s, "--secret", "streambus:sshPrivateKey", SOURCE_KEY);
    overlay = join(dir, "overlay.yaml");
    await writeFile(
      overlay,
      [
        `from: ${s}`,
        `to: ${target}`,
        "config:",
        '  streambus:brokers: "3"',
        "  streambus:quotas:",
        "    default:",
        "      produceRate: 500",
        "keep: [streambus:local.controlUrl]",
        "secrets:",
        "  streambus:adminToken: generate",
        "",
      ].join("\n"),
    );
  }, 60_000);

  afterAll(async () => {
    await runPulumi(["stack", "rm", "--yes", "--force", "--stack", target]);
    await rm(join(repoRoot, `Pulumi.${target}.yaml`), { force: true });
    await source?.cleanup();
    await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it("replicate creates the target's config from the source's and the overlay, with its own secret", async () => {
    const r = await ops("replicate", "--from", source.name, "--to", target, "--overlay", overlay);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      `✓ streambus:adminToken: ${target}'s own secret generated (${source.name}'s is never copied)`,
    );
    expect(r.stdout).toContain(
      `to do: streambus:sshPrivateKey is a secret in ${source.name} and not set in ${target}: set ${target}'s own: pulumi config set --secret streambus:sshPrivateKey --stack ${target}`,
    );
    const config = await runPulumi(["config", "--json", "--stack", target]);
    expect(config.code, config.stderr).toBe(0);
    expect(JSON.parse(config.stdout)).toMatchObject({
      "streambus:brokers": { value: "3", secret: false },
      "streambus:platform": { value: "local" },
      "streambus:retention": { objectValue: { maxAge: "7d" } },
      "streambus:quotas": { objectValue: { default: { produceRate: 500 } } },
      "streambus:rebalance": { objectValue: { throttle: "50MB/s" } },
      "streambus:adminToken": { secret: true },
    });
    // Kept: the target has no controlUrl of its own, and the source's is not copied.
    expect(config.stdout).not.toContain("127.0.0.1:7070");
    // The target's token is its own: it decrypts with the target's key and is not the source's.
    const token = await runPulumi(["config", "get", "streambus:adminToken", "--stack", target]);
    expect(token.code, token.stderr).toBe(0);
    expect(token.stdout.trim()).toMatch(/^[0-9a-f]{64}$/);
    const [sourceFile, targetFile] = await Promise.all([
      readFile(join(repoRoot, `Pulumi.${source.name}.yaml`), "utf8"),
      readFile(join(repoRoot, `Pulumi.${target}.yaml`), "utf8"),
    ]);
    for (const secret of [SOURCE_TOKEN, SOURCE_KEY, token.stdout.trim()])
      expect(targetFile).not.toContain(secret);
    const sourceCiphertexts = [...sourceFile.matchAll(/secure: (\S+)/g)].map((m) => m[1]!);
    expect(sourceCiphertexts).toHaveLength(2);
    for (const c of sourceCiphertexts) expect(targetFile).not.toContain(c);
  }, 60_000);

  it("parity reports the secret the operator still has to set, then nothing once it is set", async () => {
    const before = await ops("parity", "--from", source.name, "--to", target, "--overlay", overlay);
    expect(before.code).toBe(2);
    expect(before.stdout.trim()).toBe(
      `✗ streambus:sshPrivateKey: a secret in ${source.name}, not set in ${target} (set ${target}'s own: pulumi config set --secret streambus:sshPrivateKey --stack ${target})`,
    );
    await set(target, "--secret", "streambus:sshPrivateKey", "ssh-private-key-the-target-s-own");
    const after = await ops("parity", "--from", source.name, "--to", target, "--overlay", overlay);
    expect(after.code, after.stdout + after.stderr).toBe(0);
    expect(after.stdout).toContain(`✓ ${target} matches ${source.name} with the overlay ${overlay}`);
  }, 60_000);

  it("parity exits 2 naming a difference the overlay does not explain, as text and JSON", async () => {
    await set(target, "--path", "streambus:retention.maxAge", "3d");
    const text = await ops("parity", "--from", source.name, "--to", target, "--overlay", overlay);
    expect(text.code).toBe(2);
    expect(text.stdout.trim()).toBe(
      `✗ streambus:retention.maxAge: "7d" in ${source.name} (with the overlay), "3d" in ${target}`,
    );
    const json = await ops("parity", "--from", source.name, "--to", target, "--overlay", overlay, "--json");
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({
      differences: [{ path: "streambus:retention.maxAge", kind: "value", expected: "7d", actual: "3d" }],
    });
    // Without the overlay, the sizes and counts it explains are differences too.
    const bare = await ops("parity", "--from", source.name, "--to", target);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toContain(
      `✗ streambus:brokers: "5" in ${source.name} (with the overlay), "3" in ${target}`,
    );
  }, 60_000);

  it("parity and drift exit 1, not 2, on a usage error of their own; replicate of a missing source fails", async () => {
    const parity = await ops("parity", "--from", source.name);
    expect(parity.code).toBe(1);
    expect(parity.stderr).toContain("--to STACK is required");
    const drift = await ops("drift");
    expect(drift.code).toBe(1);
    expect(drift.stderr).toContain("--stack STACK is required");
    const missing = await ops("replicate", "--from", "no-such-stack-e2e", "--to", target);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("no config file for stack no-such-stack-e2e");
  }, 60_000);
});
