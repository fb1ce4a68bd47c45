import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestSim } from "../integration/helpers/sim";
import { ensureBuilt, runCli } from "../integration/cli/helpers";
import { createE2EStack, repoRoot, runPulumi, type E2EStack } from "./harness";
import { startEmptySim, upWithOutput } from "./membership-helpers";
import { changedResources, curl, declare } from "./settings-helpers";

/**
 * A topic's retention changed by hand, and a destroy after the cluster is gone, through the real
 * engine: `pulumi` and `streambus-ops drift` on one local stack whose topic `clicks` leaves its
 * retention to the cluster's (as Pulumi.local.yaml's does).
 */

/** The offline Pulumi settings of scripts/env.sh, passed to the CLI (runCli passes only PATH and HOME). */
const PULUMI_ENV = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => k.startsWith("PULUMI_") || k.startsWith("STREAMBUS_")),
);
const ops = (...args: string[]) => runCli(args, PULUMI_ENV);

const HOUR_MS = 3_600_000;
const WEEK_MS = 7 * 86_400_000;

interface LiveTopic {
  name: string;
  config: { retention_ms: number };
  overrides?: string[];
}

describe("a topic's hand-set retention, and a destroy after the cluster is gone", () => {
  let t: TestSim;
  let e2e: E2EStack;
  let destroyed = false;
  const clicks = async () =>
    ((await curl(t, "GET", "/admin/topics")).topics as LiveTopic[]).find((x) => x.name === "clicks");

  beforeAll(async () => {
    ensureBuilt();
    t = await startEmptySim({ topics: [] });
    e2e = await createE2EStack("tdrift");
    await declare(e2e, t, { topics: [{ name: "clicks", partitions: 3, allowDelete: true }] });
    const up = await upWithOutput(e2e);
    expect(up.ok, up.text).toBe(true);
  }, 180_000);

  afterAll(async () => {
    if (!destroyed) await e2e?.stack.destroy().catch(() => undefined);
    await e2e?.stack.workspace.removeStack(e2e.name, { force: true }).catch(() => undefined);
    await rm(join(repoRoot, `Pulumi.${e2e?.name}.yaml`), { force: true });
    await rm(join(repoRoot, ".streambus", e2e?.name ?? "none"), { recursive: true, force: true });
    await t?.stop().catch(() => undefined);
  }, 240_000);

  it("a retention set by hand is drift (drift, refresh); `pulumi up --refresh` makes it follow the cluster's again", async () => {
    expect(await clicks()).toMatchObject({ config: { retention_ms: WEEK_MS } });
    expect((await clicks())?.overrides).not.toContain("retention_ms");
    // The operator's curl.
    await curl(t, "PUT", "/admin/topics/clicks", {
      partitions: 3,
      replication_factor: 3,
      config: { retention_ms: HOUR_MS },
    });

    const drift = await ops("drift", "--stack", e2e.name);
    expect(drift.code, drift.stdout + drift.stderr).toBe(2);
    expect(drift.stdout).toMatch(
      /✗ streambus-topic-clicks \(Topic\): retention: \(none\) in the stack, .*3600000/,
    );

    const refresh = await e2e.pulumi("refresh", "--preview-only", "--diff");
    expect(refresh.code, refresh.stdout + refresh.stderr).toBe(0);
    expect(changedResources(refresh.stdout)).toContain("update streambus-topic-clicks");

    const up = await e2e.pulumi("up", "--refresh", "--yes");
    expect(up.code, up.stdout + up.stderr).toBe(0);
    const after = await clicks();
    expect(after?.overrides).not.toContain("retention_ms");
    expect(after?.config.retention_ms).toBe(WEEK_MS);

    const clean = await ops("drift", "--stack", e2e.name);
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
  }, 240_000);

  it("a destroy after the emulator restarted empty names the way out; with STREAMBUS_CLUSTER_GONE=true it finishes", async () => {
    // The emulator restarts without --state-dir on the same ports: no broker, every admin URL refuses.
    const basePort = t.sim.basePort;
    await t.stop();
    t = await startEmptySim({ topics: [], basePort });

    const refused = await e2e.pulumi("destroy", "--yes");
    const text = refused.stdout + refused.stderr;
    expect(refused.code, text).not.toBe(0);
    expect(text).toContain(
      "topic clicks delete: the cluster does not answer: every broker refused the connection",
    );
    expect(text).toContain("`STREAMBUS_CLUSTER_GONE=true pulumi destroy`");
    expect(text).toContain("`pulumi state delete '<URN>'`");

    const done = await runPulumi(["destroy", "--yes", "--stack", e2e.name], {
      env: { STREAMBUS_CLUSTER_GONE: "true" },
    });
    expect(done.code, done.stdout + done.stderr).toBe(0);
    expect(done.stdout).toContain(
      "WARNING: topic clicks dropped from the stack's state without deleting anything",
    );
    destroyed = true;
    const { resources } = await e2e.stack
      .exportStack()
      .then((s) => s.deployment as { resources?: unknown[] });
    expect(resources ?? []).toEqual([]);
  }, 300_000);
});
