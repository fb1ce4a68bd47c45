import type { ConfigMap } from "@pulumi/pulumi/automation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, runCli } from "../integration/cli/helpers";
import type { TestSim } from "../integration/helpers/sim";
import { shippedConfig } from "../unit/policy-harness";
import { createE2EStack, type E2EStack } from "./harness";
import { TOKEN, startEmptySim } from "./membership-helpers";

/**
 * `streambus-ops preview --policy-pack policy`, as the pull-request workflow runs it: the compiled
 * CLI, the real engine starting the pack through policy/bin's analyzer shim, a local stack whose
 * name makes it a production stack (`e2e-policy-prod-…`). A mandatory violation fails the preview
 * and the comment names it; an advisory one is a warning in a preview that passes.
 */
const PULUMI_ENV = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => k.startsWith("PULUMI_") || k.startsWith("STREAMBUS_")),
);

describe("streambus-ops preview with the policy pack (real engine, local platform)", () => {
  let t: TestSim;
  let e2e: E2EStack;
  let base: ConfigMap;
  const preview = () => runCli(["preview", "--stack", e2e.name, "--policy-pack", "policy"], PULUMI_ENV);

  beforeAll(async () => {
    ensureBuilt();
    t = await startEmptySim();
    e2e = await createE2EStack("policy-prod");
    // Pulumi.local.yaml's config, pointed at this test's emulator, with a throttle above the
    // pack's advisory 200MB/s.
    const shipped = shippedConfig("local") as { local: Record<string, unknown> };
    base = Object.fromEntries(
      Object.entries({
        ...shipped,
        local: { ...shipped.local, controlUrl: t.sim.controlUrl },
        rebalance: { throttle: "500MB/s", maxConcurrentMoves: 4, timeout: "10m" },
      }).map(([k, v]) => [`streambus:${k}`, { value: typeof v === "string" ? v : JSON.stringify(v) }]),
    );
    base["streambus:adminToken"] = { value: TOKEN, secret: true };
  }, 120_000);
  afterAll(async () => {
    await e2e?.cleanup();
    await t?.stop();
  }, 120_000);

  it("2 brokers on a production stack: exit 1, the mandatory violation and the warning in the comment", async () => {
    const topics = [{ name: "clicks", partitions: 6, replicationFactor: 2, allowDelete: true }];
    await e2e.stack.setAllConfig({
      ...base,
      "streambus:brokers": { value: "2" },
      "streambus:topics": { value: JSON.stringify(topics) },
    });
    const r = await preview();
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain("**The preview failed:** a mandatory policy is violated (below).");
    expect(r.stdout).toContain("#### Policy packs: `streambus@v0.1.0`: 1 mandatory violation, 1 warning");
    expect(r.stdout).toContain(
      `- ❌ **mandatory** \`prod-cluster-size\` on \`streambus-membership\` (ClusterMembership): stack "${e2e.name}" is a production stack and declares 2 broker(s) [1, 2]`,
    );
    expect(r.stdout).toContain(
      "- ⚠️ advisory `rebalance-throttle-set` on `streambus-membership` (ClusterMembership): rebalance throttle 500MB/s is above 200MB/s.",
    );
    expect(r.stderr).toContain(`preview of stack ${e2e.name} failed`);
  }, 90_000);

  it("3 brokers: the advisory violation alone is a warning, and the preview passes (exit 0)", async () => {
    await e2e.stack.setAllConfig(base);
    const r = await preview();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("#### Policy packs: `streambus@v0.1.0`: 1 warning");
    expect(r.stdout).toContain("- ⚠️ advisory `rebalance-throttle-set`");
    expect(r.stdout).not.toContain("The preview failed");
  }, 90_000);
});
