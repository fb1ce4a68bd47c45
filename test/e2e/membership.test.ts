import type { EngineEvent } from "@pulumi/pulumi/automation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestSim } from "../integration/helpers/sim";
import { createE2EStack, type E2EStack } from "./harness";
import {
  TOKEN,
  adminOf,
  eventIndex,
  expectIntact,
  localConfig,
  membersIn,
  plansIn,
  startEmptySim,
  upWithOutput,
} from "./membership-helpers";

const describeEvent = (e: EngineEvent) => {
  const meta = e.resourcePreEvent?.metadata ?? e.resOutputsEvent?.metadata;
  return meta ? `${e.resourcePreEvent ? "pre" : "out"} ${meta.op} ${meta.urn.split("::").pop()}` : "";
};

/**
 * The scaling runbooks as stack changes, through the `pulumi` CLI and the Node.js language host:
 * changing `streambus:brokers` and running `pulumi up` provisions, joins and rebalances, or drains,
 * makes leave and then deletes the machine. Steps run in order on one stack and one emulator, each
 * followed by the emulator's integrity report.
 */
describe("pulumi up makes membership changes", () => {
  let t: TestSim;
  let e2e: E2EStack;
  const set = (brokers: number[]) => e2e.stack.setAllConfig(localConfig(t, brokers));
  const rebalanceId = async () => (await adminOf(t).admin.rebalanceStatus()).rebalance_id;

  beforeAll(async () => {
    t = await startEmptySim();
    e2e = await createE2EStack("members");
  });
  afterAll(async () => {
    await e2e?.cleanup();
    await t?.stop();
  }, 240_000);

  it("from an empty emulator, one up brings 3 active members", async () => {
    await set([1, 2, 3]);
    const up = await upWithOutput(e2e);
    expect(up.ok, up.text).toBe(true);
    expect(await membersIn(t)).toEqual([1, 2, 3]);
    expect(await t.machines()).toEqual([1, 2, 3]);
    // The token was used (the emulator refuses calls without it) and is nowhere in clear.
    const state = await e2e.readStateFile();
    expect(state).toContain("streambus:ClusterMembership");
    expect(state).not.toContain(TOKEN);
    expect(up.text).not.toContain(TOKEN);
    await expectIntact(t);
  }, 180_000);

  it("3 → 5: preview shows the data to move and changes nothing; up joins both and rebalances once, with progress", async () => {
    await set([1, 2, 3, 4, 5]);
    const preview = await e2e.pulumi("preview", "--diff");
    expect(preview.code, preview.stdout + preview.stderr).toBe(0);
    const [plan] = plansIn(preview.stdout + preview.stderr);
    expect(plan).toMatchObject({ stage: "preview", add: [4, 5], remove: [] });
    expect(plan?.bytes).toBeGreaterThan(0);
    expect(await t.machines()).toEqual([1, 2, 3]); // preview provisions nothing

    const before = await rebalanceId();
    const up = await upWithOutput(e2e);
    expect(up.ok, up.text).toBe(true);
    expect(await membersIn(t)).toEqual([1, 2, 3, 4, 5]);
    // Exactly one rebalance ran: the next id after the one before, and it completed.
    const status = await adminOf(t).admin.rebalanceStatus();
    expect(status.status).toBe("completed");
    expect(Number(status.rebalance_id?.replace(/\D/g, ""))).toBe(Number(before?.replace(/\D/g, "") ?? 0) + 1);
    expect(status.moves_total).toBeGreaterThan(0);
    // Progress reached the engine's output while it waited: moves, bytes and percent.
    expect(up.text).toMatch(/\d+\/\d+ moves.*\(\d+(\.\d+)?%\)/);
    // The new brokers hold data now.
    const held = await adminOf(t).admin.brokerPartitions(5);
    expect(held.count).toBeGreaterThan(0);
    await expectIntact(t);
  }, 240_000);

  it("5 → 3: drains 4 and 5, makes them leave, and only then deletes their machines", async () => {
    await set([1, 2, 3]);
    const up = await upWithOutput(e2e);
    expect(up.ok, up.text).toBe(true);
    expect(await membersIn(t)).toEqual([1, 2, 3]);
    expect((await adminOf(t).refresh()).members.map((m) => m.broker_id).sort()).toEqual([1, 2, 3]);
    expect(await t.machines()).toEqual([1, 2, 3]);
    // The membership's update ended before either machine's delete began.
    const membershipDone = eventIndex(up.events, "outputs", "update", "::streambus-membership");
    expect(membershipDone, JSON.stringify(up.events.map(describeEvent))).toBeGreaterThanOrEqual(0);
    for (const id of [4, 5]) {
      const deleted = eventIndex(up.events, "pre", "delete", `::streambus-broker-${id}`);
      expect(deleted).toBeGreaterThan(membershipDone);
    }
    // One at a time: 4 left before 5's drain began (the provider says so in order).
    const left4 = up.text.indexOf("broker 4 drained and left");
    const left5 = up.text.indexOf("broker 5 drained and left");
    expect(left4).toBeGreaterThanOrEqual(0);
    expect(left5).toBeGreaterThan(left4);
    const health = await adminOf(t).admin.partitionsHealth();
    expect(health.unhealthy).toEqual([]);
    await expectIntact(t);
  }, 240_000);

  it("removing a middle id (1,2,3,4 → 1,3,4) drains and removes broker 2 and only broker 2", async () => {
    await set([1, 2, 3, 4]);
    expect((await upWithOutput(e2e)).ok).toBe(true);
    expect(await membersIn(t)).toEqual([1, 2, 3, 4]);
    await set([1, 3, 4]);
    const up = await upWithOutput(e2e);
    expect(up.ok, up.text).toBe(true);
    expect(await membersIn(t)).toEqual([1, 3, 4]);
    expect(await t.machines()).toEqual([1, 3, 4]);
    await expectIntact(t);
  }, 240_000);

  it("adding and removing in one change moves the removed broker's data once, never onto it", async () => {
    await set([1, 4, 5]); // broker 5 joins, broker 3 leaves
    const before = await rebalanceId();
    const watch = { max3: 0, stop: false };
    const watcher = (async () => {
      const start = (await adminOf(t).admin.brokerPartitions(3)).count;
      while (!watch.stop) {
        const now = await adminOf(t)
          .admin.brokerPartitions(3)
          .then((p) => p.count)
          .catch(() => 0);
        watch.max3 = Math.max(watch.max3, now - start);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const up = await upWithOutput(e2e);
    watch.stop = true;
    await watcher;
    expect(up.ok, up.text).toBe(true);
    expect(await membersIn(t)).toEqual([1, 4, 5]);
    expect(watch.max3).toBe(0); // broker 3 never gained a replica
    // One rebalance, and it moved what its plan (printed by the update) said it would.
    const status = await adminOf(t).admin.rebalanceStatus();
    expect(Number(status.rebalance_id?.replace(/\D/g, ""))).toBe(Number(before?.replace(/\D/g, "") ?? 0) + 1);
    const plans = plansIn(up.text).filter((p) => p.stage === "update" && p.method === "dry_run");
    expect(plans.length).toBeGreaterThan(0);
    const plan = plans[plans.length - 1]!;
    expect(status.moves_total).toBe(plan.moves);
    // The producer keeps writing between the dry run and the start: the bytes agree to within 2 %.
    expect(Math.abs(status.bytes_moved - Number(plan.bytes))).toBeLessThanOrEqual(Number(plan.bytes) * 0.02);
    await expectIntact(t);
  }, 240_000);

  it("refresh names a member joined by hand as unmanaged, and up leaves it alone", async () => {
    await t.provision(9);
    const admin = adminOf(t);
    await expect
      .poll(async () => (await admin.refresh()).members.some((m) => m.broker_id === 9), { timeout: 15_000 })
      .toBe(true);
    await admin.admin.join(9);
    let text = "";
    await e2e.stack.refresh({ onOutput: (out) => (text += out) });
    expect(text).toMatch(/unmanaged.*\b9\b|\b9\b.*unmanaged/);
    const preview = await e2e.stack.preview();
    expect(preview.changeSummary.update ?? 0).toBe(0);
    expect(await membersIn(t)).toEqual([1, 4, 5, 9]);
  }, 180_000);

  it("refresh shows a declared broker that left by hand", async () => {
    const admin = adminOf(t);
    await admin.admin.drain(5); // 1, 4 and 9 stay active: enough for replication factor 3
    await expect.poll(async () => (await admin.admin.brokerPartitions(5)).count, { timeout: 60_000 }).toBe(0);
    await admin.admin.leave(5);
    const refresh = await e2e.stack.refresh();
    expect(refresh.summary.resourceChanges).toMatchObject({ update: 1 });
    expect(await e2e.readStateFile()).not.toContain(TOKEN);
  }, 180_000);
});
