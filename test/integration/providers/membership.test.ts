/**
 * The membership provider's methods called as the engine calls them, against the emulator
 * over real HTTP with an admin token, as steps with a check after each: create from an empty
 * emulator, 3 → 5, the same update again, 5 → 3, removing a middle id, adding and removing in
 * one change, and `read` seeing brokers joined or removed by hand.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { balanceOf, removeBroker, type Cluster } from "../../../procedures";
import { provider, type MembershipOutputs } from "../../../providers/membership";
import {
  TOKEN,
  activeIds,
  capture,
  createMembership,
  destroy,
  inputs,
  plans,
  rebalanceStatus,
  rebalancesStarted,
  startProviderSim,
} from "./helpers";
import type { TestSim } from "../helpers/sim";

let t: TestSim;
let cluster: Cluster;
let state: MembershipOutputs;

beforeAll(async () => {
  t = await startProviderSim();
});
afterAll(() => t.stop());

async function assertHealthy(balancedOver: number[]): Promise<void> {
  expect(await activeIds(t)).toEqual(balancedOver);
  const parts = await cluster.admin.partitions();
  expect(balanceOf(parts.partitions, balancedOver).balanced).toBe(true);
  expect(await t.integrity()).toMatchObject({
    lost_messages: 0,
    diverged_replicas: 0,
    under_replicated: 0,
    offline: 0,
  });
  expect(JSON.stringify(state)).not.toContain(TOKEN);
}

/** Diff then update, as `pulumi up` does; returns the lines printed by each. */
async function up(ids: number[]) {
  const news = inputs(t, ids);
  const diff = await capture(() => provider.diff!("c", state, news));
  if (diff.error) throw diff.error;
  expect(diff.result).toMatchObject({ changes: true, replaces: [] });
  const update = await capture(() => provider.update!("c", state, news));
  if (update.error) throw update.error;
  state = update.result!.outs as MembershipOutputs;
  return { diff: diff.lines, update: update.lines };
}

describe("the membership of a cluster, step by step", () => {
  it("step 1: creates 3 active members from an empty emulator (the first bootstraps, the others join)", async () => {
    state = await createMembership(t, [1, 2, 3]);
    cluster = t.cluster({ token: TOKEN });
    expect(state).toMatchObject({ brokers: [1, 2, 3], unmanaged: [], forcedGuards: [] });
    await assertHealthy([1, 2, 3]);
  });

  it("step 2: 3 → 5 joins both and starts exactly one rebalance, with progress and a plan at preview", async () => {
    await t.provision(4);
    await t.provision(5);
    const before = await rebalancesStarted(t);
    const lines = await up([1, 2, 3, 4, 5]);
    expect(await rebalancesStarted(t)).toBe(before + 1);
    const [preview] = plans(lines.diff);
    expect(preview).toMatchObject({ stage: "preview", method: "estimate", add: [4, 5], remove: [] });
    expect(preview!.bytes).toBeGreaterThan(0);
    expect(lines.diff.find((l) => l.startsWith("streambus: members [1, 2, 3] → [1, 2, 3, 4, 5]"))).toMatch(
      /estimate: brokers 4, 5 have not registered yet/,
    );
    expect(
      lines.update.some((l) => /^streambus: rebalance rb-\d+: \d+\/\d+ moves, .* \(100%\)$/.test(l)),
    ).toBe(true);
    expect(state.brokers).toEqual([1, 2, 3, 4, 5]);
    await assertHealthy([1, 2, 3, 4, 5]);
  });

  it("step 3: the same update again changes nothing and starts no rebalance", async () => {
    const before = await rebalancesStarted(t);
    const again = await provider.update!("c", state, inputs(t, [1, 2, 3, 4, 5]));
    expect(again.outs).toMatchObject({ brokers: [1, 2, 3, 4, 5], unmanaged: [] });
    // As a rerun after an interrupted `up` does: the old state still says 3 brokers.
    const rerun = await provider.update!("c", { ...state, brokers: [1, 2, 3] }, inputs(t, [1, 2, 3, 4, 5]));
    expect(rerun.outs).toMatchObject({ brokers: [1, 2, 3, 4, 5] });
    expect(await rebalancesStarted(t)).toBe(before);
    await assertHealthy([1, 2, 3, 4, 5]);
  });

  it("step 4: 5 → 3 drains 4 and 5 one at a time (after one rebalance), and they leave", async () => {
    const before = await rebalancesStarted(t);
    const lines = await up([1, 2, 3]);
    const [preview] = plans(lines.diff);
    expect(preview).toMatchObject({
      stage: "preview",
      method: "dry_run",
      remove: [4, 5],
      targets: [1, 2, 3],
    });
    expect(preview!.receivers).not.toContain(4);
    expect(await rebalancesStarted(t)).toBe(before + 1);
    const left = lines.update.filter((l) => / drained and left the cluster$/.test(l));
    expect(left).toEqual([
      "streambus: broker 4 drained and left the cluster",
      "streambus: broker 5 drained and left the cluster",
    ]);
    await destroy(t, 4);
    await destroy(t, 5);
    await assertHealthy([1, 2, 3]);
  });

  it("step 5: removing a middle id (1,2,3,4 → 1,3,4) removes broker 2 and only broker 2", async () => {
    await t.provision(4);
    await up([1, 2, 3, 4]);
    await assertHealthy([1, 2, 3, 4]);
    const lines = await up([1, 3, 4]);
    expect(lines.update.filter((l) => / left the cluster$/.test(l))).toEqual([
      "streambus: broker 2 drained and left the cluster",
    ]);
    expect(lines.update.some((l) => /broker [134] (is draining|drained)/.test(l))).toBe(false);
    await destroy(t, 2);
    await assertHealthy([1, 3, 4]);
  });

  it("step 6: adding 5 and removing 4 at once moves the planned bytes once, none onto broker 4", async () => {
    await t.provision(5);
    const lines = await up([1, 3, 5]);
    const plan = plans(lines.update).find((p) => p.stage === "update")!;
    expect(plan).toMatchObject({ method: "dry_run", targets: [1, 3, 5], add: [5], remove: [4] });
    expect(plan.receivers).not.toContain(4);
    const final = await rebalanceStatus(t);
    expect(final.status).toBe("completed");
    expect(final.moves_total).toBe(plan.moves);
    // The producer keeps writing between the dry run and the start (a tick apart on a loaded
    // machine): the bytes agree to within 2 %, and every byte of the rebalance moved once.
    expect(Math.abs(final.bytes_total - Number(plan.bytes))).toBeLessThanOrEqual(Number(plan.bytes) * 0.02);
    expect(final.bytes_moved).toBe(final.bytes_total);
    // The rebalance emptied broker 4: its drain had nothing left to move.
    expect(lines.update.some((l) => l.startsWith("streambus: draining broker 4: 0 of 0"))).toBe(true);
    expect(lines.update.some((l) => /draining broker 4: \d+ partition replicas to move/.test(l))).toBe(false);
    await destroy(t, 4);
    await assertHealthy([1, 3, 5]);
  });

  it("step 7: read reports a broker joined by hand as unmanaged and one removed by hand as gone", async () => {
    await t.provision(6);
    await cluster.refresh();
    await eventuallyRegistered(6);
    await cluster.admin.join(6);
    const read1 = await provider.read!("c", state);
    expect(read1.props).toMatchObject({ brokers: [1, 3, 5], unmanaged: [6] });
    // An update leaves the unmanaged member alone: it stays a member, holding data.
    await t.provision(2);
    await up([1, 2, 3, 5]);
    expect(await activeIds(t)).toEqual([1, 2, 3, 5, 6]);
    expect((await cluster.admin.brokerPartitions(6)).count).toBeGreaterThan(0);
    await removeBroker(cluster, 5);
    const read2 = await provider.read!("c", state);
    expect(read2.props).toMatchObject({ brokers: [1, 2, 3], unmanaged: [6] });
    expect(JSON.stringify(read2)).not.toContain(TOKEN);
  });

  it("delete does no membership work", async () => {
    const { lines } = await capture(() => provider.delete!("c", state));
    expect(lines).toEqual([expect.stringMatching(/no drain/)]);
    expect(await activeIds(t)).toEqual([1, 2, 3, 6]);
  });
});

async function eventuallyRegistered(id: number): Promise<void> {
  for (let i = 0; i < 50; i++) {
    if ((await cluster.refresh()).members.some((m) => m.broker_id === id)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`broker ${id} did not register`);
}
