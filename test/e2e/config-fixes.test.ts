/**
 * The config errors' example fixes, run as a user runs them: bad values set with the real
 * `pulumi config set`, the refusal read from a real `pulumi preview`, each suggested
 * `pulumi config …` command run in a shell as printed, and the next preview's config accepted.
 */
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSim, type SimCluster } from "../../sim";
import { createE2EStack, repoRoot, type E2EStack } from "./harness";

/** Runs one command line in a shell, in the project, as a user pastes it. */
function sh(line: string): Promise<{ code: number; out: string }> {
  const child = spawn("sh", ["-c", line], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr.on("data", (c: Buffer) => (out += c.toString()));
  return new Promise((done) => child.on("close", (code) => done({ code: code ?? 1, out })));
}

describe("the example fixes of config errors, run as printed", () => {
  let e2e: E2EStack;
  let sim: SimCluster;
  const set = (...args: string[]) => e2e.pulumi("config", "set", ...args);

  beforeAll(async () => {
    sim = await startSim({ basePort: 0, topics: [] });
    e2e = await createE2EStack("fixes");
    expect((await set("streambus:platform", "local")).code).toBe(0);
    // The emulator's own URL, set the way the fix below would: under a block given as one value.
    expect((await set("--path", "streambus:local.controlUrl", sim.controlUrl)).code).toBe(0);
  });
  afterAll(async () => {
    await e2e?.cleanup();
    await sim?.stop();
  }, 120_000);

  it("every suggested command fixes its key: the next preview's config is valid", async () => {
    // Bad values, set as people set them.
    for (const args of [
      ["streambus:brokers", "[1]"],
      ["--path", "streambus:topics[0].name", "clicks"],
      ["--path", "streambus:topics[0].partitions", "6"],
      ["--path", "streambus:topics[0].replicationFactor", "3"],
      ["--path", "streambus:topics[1].name", "views"],
      ["--path", "streambus:topics[1].partitions", "0"],
      ["--path", "streambus:topics[1].replicationFactor", "1"],
      ["streambus:retention", "7d"],
      ["--path", "streambus:alerts.diskFreeRatio", "20"],
      ["--path", 'streambus:quotas.clients["billing-app"]', "5"],
      ["--path", "streambus:compactoin.enabled", "true"],
      ["streambus:adminToken", "t0ken-in-clear"],
    ]) {
      const r = await set(...args);
      expect(r.code, r.stderr).toBe(0);
    }
    const refused = await e2e.pulumi("preview");
    const text = refused.stdout + refused.stderr;
    expect(refused.code).not.toBe(0);
    const problems = [...new Set(text.split("\n").filter((l) => /^\s+- streambus:/.test(l)))];
    expect(problems.map((p) => p.trim().slice(2, p.trim().indexOf(": ")))).toEqual([
      "streambus:retention",
      "streambus:quotas.clients.billing-app",
      "streambus:topics[1].partitions",
      "streambus:alerts.diskFreeRatio",
      "streambus:compactoin",
      "streambus:brokers",
      "streambus:topics[0].replicationFactor",
      "streambus:adminToken",
    ]);

    // Each line's commands, in order, as printed; the token's placeholder filled in.
    const done = new Set<string>();
    for (const problem of problems) {
      for (const [, command] of problem.matchAll(/`(pulumi config [^`]+)`/g)) {
        if (done.has(command!)) continue; // brokers: the same fix on two lines
        done.add(command!);
        const line = `${command!.replace("<token>", "s3cret-token")} --stack ${e2e.name} --non-interactive`;
        const r = await sh(line);
        expect(r.code, `${line}\n${r.out}`).toBe(0);
      }
    }
    expect(done.size).toBeGreaterThanOrEqual(9);

    const fixed = await e2e.pulumi("preview");
    const after = fixed.stdout + fixed.stderr;
    expect(after).not.toContain("invalid stack config");
    expect(fixed.code, after).toBe(0);
  }, 180_000);
});
