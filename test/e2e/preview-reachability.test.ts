/**
 * A local stack whose emulator does not answer, through the real engine: the program checks the
 * emulator's control API before it declares anything, so `pulumi preview` and `pulumi up` fail
 * before any change, naming the URL and what to start. A plain `pulumi refresh` and
 * `pulumi destroy` do not run the program: the check never stands in their way.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findFreeRange, startSim, type SimCluster } from "../../sim";
import { createE2EStack, repoRoot, type E2EStack } from "./harness";

/** The emulator's timings for a quick cluster, on the given base port. */
const startEmulator = (basePort: number) =>
  startSim({ basePort, registerDelayMs: 100, electionDelayMs: 100, moveOverheadMs: 100, topics: [] });

describe("a local stack whose emulator does not answer", () => {
  let e2e: E2EStack;
  let port: number;
  let outDir: string;
  let sim: SimCluster | undefined;
  const said = (r: { stdout: string; stderr: string }) => r.stdout + r.stderr;
  const refusal = () =>
    `streambus:local.controlUrl: the emulator's control API at http://127.0.0.1:${port} does not answer ` +
    `(GET http://127.0.0.1:${port}/sim/brokers failed: ECONNREFUSED); nothing was changed. Start the emulator there ` +
    `first: \`node dist/sim/cli.js --base-port ${port}\` (or \`streambus-sim --base-port ${port}\`), with ` +
    "`--state-dir <dir>` to keep its cluster across restarts";

  beforeAll(async () => {
    // A free range for an emulator with 3 brokers, nothing listening on it yet.
    port = await findFreeRange(8);
    e2e = await createE2EStack("reach");
    outDir = join(repoRoot, ".streambus", e2e.name);
    await e2e.stack.setAllConfig({
      "streambus:platform": { value: "local" },
      "streambus:brokers": { value: "3" },
      "streambus:local": {
        value: JSON.stringify({ controlUrl: `http://127.0.0.1:${port}`, outputDir: outDir }),
      },
    });
  });
  afterAll(async () => {
    await sim?.stop();
    // What is left goes with an emulator that answers (its brokers, if any, with it).
    sim = await startEmulator(port);
    await e2e?.cleanup();
    await sim.stop();
  }, 180_000);

  it("preview fails before any change, naming the URL, what to start and how to keep its state", async () => {
    const r = await e2e.pulumi("preview");
    expect(r.code, said(r)).not.toBe(0);
    expect(said(r)).toContain(refusal());
    // Only the stack itself is counted: not one of the cluster's resources was planned.
    expect(said(r)).not.toMatch(/StreamBusCluster|LocalBroker|LocalFile|Unhandled exception/);
    expect(said(r)).toMatch(/\+ 1 to create\s+1 errored/);
  }, 120_000);

  it("up fails the same way, and writes nothing: no rules file, no dashboard, no resource", async () => {
    const r = await e2e.pulumi("up", "--yes");
    expect(r.code, said(r)).not.toBe(0);
    expect(said(r)).toContain(refusal());
    expect(existsSync(outDir)).toBe(false);
    expect((await e2e.stack.exportStack()).deployment.resources ?? []).toEqual([]);
  }, 120_000);

  it("with the emulator up, up succeeds; stopped again, preview fails instead of showing `unchanged`", async () => {
    sim = await startEmulator(port);
    const up = await e2e.pulumi("up", "--yes");
    expect(up.code, said(up)).toBe(0);
    expect(existsSync(join(outDir, "streambus-rules.yml"))).toBe(true);
    await sim.stop();
    sim = undefined;
    const r = await e2e.pulumi("preview");
    expect(r.code, said(r)).not.toBe(0);
    expect(said(r)).toContain(refusal());
    // Before the check, this preview said "12 unchanged": now only the stack itself is counted.
    expect(said(r)).toMatch(/ 1 unchanged\s+1 errored/);
  }, 180_000);

  it("plain refresh and destroy do not run the program, so the check does not block them", async () => {
    // The providers' own reads and deletes need the emulator; the check is not what stops them.
    const refresh = await e2e.pulumi("refresh", "--yes");
    expect(said(refresh)).not.toContain("does not answer (");
    expect(said(refresh)).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/sim\/brokers failed: ECONNREFUSED/);
    const destroy = await e2e.pulumi("destroy", "--yes");
    expect(said(destroy)).not.toContain("does not answer (");
    // What needs no emulator goes (the rules file, the settings); the brokers wait for it.
    expect(destroy.code).not.toBe(0);
    expect(said(destroy)).toMatch(/DELETE http:\/\/127\.0\.0\.1:\d+\/sim\/brokers\/1 failed: ECONNREFUSED/);
    // The way out when the emulator's cluster is gone: an emulator on the same port, then destroy.
    sim = await startEmulator(port);
    const again = await e2e.pulumi("destroy", "--yes");
    expect(again.code, said(again)).toBe(0);
    expect((await e2e.stack.exportStack()).deployment.resources ?? []).toEqual([]);
  }, 240_000);
});
