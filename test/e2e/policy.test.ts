import type { ConfigMap } from "@pulumi/pulumi/automation";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestSim } from "../integration/helpers/sim";
import { shippedConfig } from "../unit/policy-harness";
import { createE2EStack, type E2EStack } from "./harness";
import { TOKEN, startEmptySim } from "./membership-helpers";

/**
 * The policy pack through the real engine: `pulumi preview --policy-pack policy`, as the PR
 * workflow runs it, on a local stack whose name makes it a production stack
 * (`e2e-policy-prod-…`). The engine starts the pack through policy/bin's analyzer shim; the
 * local platform needs no plugin the engine cannot load offline. The aws and kubernetes
 * resources are judged in test/unit/policy-pack.test.ts instead.
 */
describe("the policy pack in pulumi preview (real engine, local platform)", () => {
  let t: TestSim;
  let e2e: E2EStack;
  let base: ConfigMap;

  const preview = async (...extra: string[]) => {
    const r = await e2e.pulumi("preview", "--policy-pack", "policy", ...extra);
    return { code: r.code, text: r.stdout + r.stderr };
  };

  beforeAll(async () => {
    t = await startEmptySim();
    e2e = await createE2EStack("policy-prod");
    // Pulumi.local.yaml's config, pointed at this test's emulator.
    const shipped = shippedConfig("local") as { local: Record<string, unknown> };
    base = Object.fromEntries(
      Object.entries({ ...shipped, local: { ...shipped.local, controlUrl: t.sim.controlUrl } }).map(
        ([k, v]) => [`streambus:${k}`, { value: typeof v === "string" ? v : JSON.stringify(v) }],
      ),
    );
    base["streambus:adminToken"] = { value: TOKEN, secret: true };
  }, 120_000);
  afterAll(async () => {
    await e2e?.cleanup();
    await t?.stop();
  }, 180_000);

  it("passes Pulumi.local.yaml's config on a production stack, and the pack did run", async () => {
    await e2e.stack.setAllConfig(base);
    const r = await preview();
    expect(r.code, r.text).toBe(0);
    expect(r.text).toMatch(/Policies:\s+✅ streambus@v0\.1\.0 \(local: policy\)/);
  }, 120_000);

  it("fails 2 brokers on a production stack, naming the membership resource and the fix", async () => {
    // Its topic replicated twice: the config allows no more than the brokers, and the policy no less than 2.
    const topics = [{ name: "clicks", partitions: 6, replicationFactor: 2, allowDelete: true }];
    await e2e.stack.setAllConfig({
      ...base,
      "streambus:brokers": { value: "2" },
      "streambus:topics": { value: JSON.stringify(topics) },
    });
    const r = await preview();
    expect(r.code, r.text).not.toBe(0);
    expect(r.text).toContain(
      "[mandatory]  prod-cluster-size  (pulumi-nodejs:dynamic/streambus:ClusterMembership: streambus-membership)",
    );
    expect(r.text).toContain(`is a production stack and declares 2 broker(s) [1, 2]`);
    expect(r.text).toContain(`Fix: set streambus:brokers to 3 or more in Pulumi.${e2e.name}.yaml`);
  }, 120_000);

  it("fails a retention out of bounds, naming the cluster config resource; the pack's config can widen the bounds", async () => {
    await e2e.stack.setAllConfig({
      ...base,
      "streambus:retention": { value: JSON.stringify({ maxBytes: "100GB", maxAge: "500d" }) },
    });
    const r = await preview();
    expect(r.code, r.text).not.toBe(0);
    expect(r.text).toContain(
      "[mandatory]  retention-within-bounds  (pulumi-nodejs:dynamic/streambus:ClusterConfig: streambus-cluster-config)",
    );
    expect(r.text).toContain(
      "streambus-cluster-config: maxAge 500d is outside 1h..365d. Fix: set streambus:retention",
    );

    const dir = await mkdtemp(join(tmpdir(), "streambus-policy-"));
    const config = join(dir, "policy-config.json");
    await writeFile(config, JSON.stringify({ "retention-within-bounds": { maxAge: "730d" } }));
    const widened = await preview("--policy-pack-config", config);
    expect(widened.code, widened.text).toBe(0);
  }, 180_000);
});
