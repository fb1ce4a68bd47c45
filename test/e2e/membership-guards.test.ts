import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestSim } from "../integration/helpers/sim";
import { createE2EStack, type E2EStack } from "./harness";
import {
  adminOf,
  expectIntact,
  localConfig,
  membersIn,
  startEmptySim,
  upWithOutput,
} from "./membership-helpers";

/**
 * Guards judged before anything changes, forcing them, and the deadline of a long wait: through
 * `pulumi preview` and `pulumi up` on the local platform. The topics have replication factor 2,
 * so removing a third broker is refused only for the voters, and force can override it.
 */
describe("membership guards and deadlines", () => {
  let t: TestSim;
  let e2e: E2EStack;

  beforeAll(async () => {
    t = await startEmptySim({
      topics: [{ name: "events", partitions: 8, replicationFactor: 2, sizeBytes: 8 * 2 ** 20 }],
    });
    e2e = await createE2EStack("guards");
    await e2e.stack.setAllConfig(localConfig(t, [1, 2, 3]));
    const up = await upWithOutput(e2e);
    expect(up.ok, up.text).toBe(true);
  }, 180_000);
  afterAll(async () => {
    await e2e?.cleanup();
    await t?.stop();
  }, 240_000);

  it("refuses at preview to go below 3 voters, saying why and how to force it; nothing changes", async () => {
    await e2e.stack.setAllConfig(localConfig(t, [1, 2]));
    const preview = await e2e.pulumi("preview");
    expect(preview.code).not.toBe(0);
    const text = preview.stdout + preview.stderr;
    expect(text).toMatch(/min_voters/);
    expect(text).toMatch(/streambus:force/);
    // Said once, cleanly: the engine's error, not also the provider's "Error: …" with a stack trace.
    const diagnostics = text.slice(text.indexOf("Diagnostics:"), text.indexOf("Resources:"));
    expect(diagnostics.match(/refusing to change the members/g), diagnostics).toHaveLength(1);
    expect(text).not.toMatch(/^\s+at /m);
    expect(text).not.toMatch(/Error: membership:/);
    const up = await e2e.pulumi("up", "--yes");
    expect(up.code).not.toBe(0);
    expect(await membersIn(t)).toEqual([1, 2, 3]);
    expect(await t.machines()).toEqual([1, 2, 3]);
  }, 180_000);

  it("with streambus:force the removal runs, and the override is recorded in the output", async () => {
    await e2e.stack.setAllConfig(localConfig(t, [1, 2], { force: true }));
    const up = await upWithOutput(e2e);
    expect(up.ok, up.text).toBe(true);
    expect(up.text).toMatch(/overridden by streambus:force: min_voters/);
    expect(await membersIn(t)).toEqual([1, 2]);
    const outputs = await e2e.stack.exportStack();
    const membership = outputs.deployment.resources.find((r: { type: string }) =>
      r.type.endsWith("streambus:ClusterMembership"),
    );
    expect(membership.outputs.forcedGuards).toContain("min_voters");
    await expectIntact(t);
  }, 180_000);

  it("a wait that outlives streambus:rebalance.timeout fails clearly, leaves the work running, and the next up attaches to it", async () => {
    await e2e.stack.setAllConfig(
      localConfig(t, [1, 2, 3], {
        force: false,
        rebalance: { throttle: "4MB/s", maxConcurrentMoves: 2, timeout: "2s" },
      }),
    );
    const slow = await upWithOutput(e2e);
    expect(slow.ok).toBe(false);
    expect(slow.text).toMatch(/deadline/i);
    expect(slow.text).toMatch(/pulumi up/); // says that running it again continues
    const running = await adminOf(t).admin.rebalanceStatus();
    expect(running.status).toBe("running");

    await e2e.stack.setAllConfig(
      localConfig(t, [1, 2, 3], {
        force: false,
        rebalance: { throttle: "4MB/s", maxConcurrentMoves: 2, timeout: "5m" },
      }),
    );
    const again = await upWithOutput(e2e);
    expect(again.ok, again.text).toBe(true);
    const done = await adminOf(t).admin.rebalanceStatus();
    expect(done.rebalance_id).toBe(running.rebalance_id); // the same rebalance, not a second one
    expect(done.status).toBe("completed");
    expect(await membersIn(t)).toEqual([1, 2, 3]);
    await expectIntact(t);
  }, 240_000);
});
