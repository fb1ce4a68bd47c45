import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestSim } from "../integration/helpers/sim";
import { ensureBuilt, runCli } from "../integration/cli/helpers";
import { createE2EStack, repoRoot, type E2EStack } from "./harness";
import { startEmptySim, upWithOutput } from "./membership-helpers";
import { settingsConfig } from "./settings-helpers";

/**
 * `streambus-ops drift` against a cluster that hangs (the emulator's latency fault, longer than
 * any timeout): the check ends at its own `--timeout`, not when each provider call gives up minutes
 * later, and says which brokers did not answer, exit 1 (the check failed), as text and JSON.
 */

/** The offline Pulumi settings of scripts/env.sh, passed to the CLI (runCli passes only PATH and HOME). */
const PULUMI_ENV = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => k.startsWith("PULUMI_") || k.startsWith("STREAMBUS_")),
);
const ops = (...args: string[]) => runCli(args, PULUMI_ENV);

describe("streambus-ops drift with a deadline of its own", () => {
  let t: TestSim;
  let e2e: E2EStack;

  beforeAll(async () => {
    ensureBuilt();
    t = await startEmptySim();
    e2e = await createE2EStack("drdeadline");
    await e2e.stack.setAllConfig(settingsConfig(t, {}));
    const up = await upWithOutput(e2e);
    expect(up.ok, up.text).toBe(true);
  }, 120_000);

  afterAll(async () => {
    await t?.clearFaults().catch(() => undefined);
    await e2e?.pulumi("stack", "rm", "--yes", "--force");
    await rm(join(repoRoot, `Pulumi.${e2e?.name}.yaml`), { force: true });
    await rm(join(repoRoot, ".streambus", e2e?.name ?? "none"), { recursive: true, force: true });
    await t?.stop().catch(() => undefined);
  }, 60_000);

  it("a hung cluster: exit 1 within --timeout, naming each broker that did not answer", async () => {
    await t.fault({ latency_ms: 60_000 });
    const started = Date.now();
    const [text, json] = await Promise.all([
      ops("drift", "--stack", e2e.name, "--timeout", "10s"),
      ops("drift", "--stack", e2e.name, "--timeout", "10s", "--json"),
    ]);
    // 10 s, 3 s of /health probes, at most 5 s for the engine to stop, and the CLI's start.
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(text.code, text.stderr).toBe(1);
    const url = (id: number) => t.sim.brokerUrl(id).replace(/\/$/, "");
    const named = (s: string) => [1, 2, 3].every((id) => s.includes(`broker-${id} at ${url(id)}`));
    const failed = text.stderr.split("\n").find((l) => l.startsWith("streambus-ops: drift check failed: "));
    expect(failed, text.stderr).toMatch(
      /^streambus-ops: drift check failed: no answer within --timeout 10s: /,
    );
    expect(named(failed!), failed).toBe(true);
    expect(text.stderr).not.toContain("UND_ERR");
    expect(text.stdout).toMatch(/^✗ drift check of stack \S+ failed: nothing can be said about drift$/m);
    expect(json.code).toBe(1);
    const doc = JSON.parse(json.stdout) as { checked: boolean; failure: string[]; exitCode: number };
    expect({ checked: doc.checked, exitCode: doc.exitCode }).toEqual({ checked: false, exitCode: 1 });
    expect(named(doc.failure[0] ?? ""), doc.failure.join("\n")).toBe(true);
  }, 60_000);

  it("a bad --timeout is drift's usage error: exit 1, naming the flag", async () => {
    const r = await ops("drift", "--stack", e2e.name, "--timeout", "soon");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--timeout must be a duration like 90s, 30m or 1h30m: got "soon"');
  });
});
