/**
 * The membership provider says what is true (issue 18): a declared broker that is offline is
 * called offline (at diff, in the plan, in `read`'s outputs, and the update refuses at once
 * rather than "join" it); a rebalance that stops moving names the broker it waits on; the leader
 * guard tells a broker cut off from a leader the others follow from no leader at all; the Raft
 * leader is removed last, with a word at preview; and Ctrl-C stops the wait at once, saying what
 * goes on in the cluster. Against the emulator, through the provider's logic.
 */
import { afterEach, describe, expect, it } from "vitest";
import { provider, type MembershipInputs } from "../../../providers/membership";
import { interrupt, resetInterrupt } from "../../../providers/interrupt";
import type { TestSim } from "../helpers/sim";
import {
  TOKEN,
  activeIds,
  capture,
  createMembership,
  inputs,
  plans,
  rebalanceStatus,
  startProviderSim,
} from "./helpers";

let t: TestSim | undefined;
afterEach(async () => {
  resetInterrupt();
  await t?.heal().catch(() => undefined);
  await t?.stop();
  t = undefined;
});

/** Slow moves (2 MiB/s per move, 2 at once): a 3 → 4 rebalance takes several seconds. */
const SLOW: Partial<MembershipInputs> = { throttleBytesPerS: 2 * 2 ** 20, maxConcurrentMoves: 2 };

async function memberState(id: number): Promise<string | undefined> {
  const members = await t!.cluster({ token: TOKEN }, [1, 2, 3, 4, 5]).refresh();
  return members.members.find((m) => m.broker_id === id)?.state;
}

async function waitRunning(): Promise<void> {
  await expect
    .poll(async () => (await rebalanceStatus(t!)).status, { timeout: 10_000, interval: 50 })
    .toBe("running");
}

describe("a declared broker that is offline", () => {
  it("is named at diff, in read's outputs and in the plan, and the update refuses at once without 'joining' it", async () => {
    t = await startProviderSim();
    const olds = await createMembership(t, [1, 2, 3]);
    await t.stopBroker(3);
    await expect.poll(() => memberState(3), { timeout: 10_000, interval: 100 }).toBe("offline");

    // An up that changes nothing: no update runs, so the diff says it.
    const same = await capture(() => provider.diff!("c", olds, inputs(t!, [1, 2, 3])));
    expect(same.error).toBeUndefined();
    expect(same.result).toMatchObject({ changes: false });
    expect(same.lines.join("\n")).toMatch(
      /warning: declared broker 3 \(no heartbeat for [\d.]+s\) is offline/,
    );

    // Refresh sees it: an output that differs from the state (which has none).
    const read = await capture(() => provider.read!("c", olds));
    expect(read.result!.props).toMatchObject({ brokers: [1, 2, 3], offline: [3] });
    expect(olds.offline).toBeUndefined();
    // Refresh shows its changes through diff (the new outputs against the inputs): a change.
    const refreshed = { ...olds, offline: [3] };
    expect((await capture(() => provider.diff!("c", refreshed, inputs(t!, [1, 2, 3])))).result).toMatchObject(
      {
        changes: true,
      },
    );
    const recorded = await capture(() => provider.update!("c", refreshed, inputs(t!, [1, 2, 3])));
    expect(recorded.result!.outs).toMatchObject({ brokers: [1, 2, 3], offline: [3] });

    // A change that adds broker 4: the plan says 3 is offline, not "has not registered".
    await t.provision(4);
    const preview = await capture(() => provider.diff!("c", olds, inputs(t!, [1, 2, 3, 4])));
    expect(preview.error).toBeUndefined();
    const [plan] = plans(preview.lines);
    expect(plan).toMatchObject({ method: "estimate" });
    const human = preview.lines.find((l) => l.startsWith("streambus: members ["))!;
    expect(human).toContain("broker 3 is offline");
    expect(human).not.toMatch(/brokers? [\d, ]*3[\d, ]* ha(s|ve) not registered/);

    const update = await capture(() => provider.update!("c", olds, inputs(t!, [1, 2, 3, 4])));
    expect((update.error as Error).message).toMatch(
      /broker 3 is offline \(no heartbeat for [\d.]+s; .*Start it again, or remove it from streambus:brokers/,
    );
    expect(update.lines.join("\n")).not.toMatch(/joining broker 3|broker 3 is an active member/);
    expect(await activeIds(t)).toEqual([1, 2]);

    // Back, the read's field goes (a change again) and the update converges.
    await t.startBroker(3);
    await expect.poll(() => memberState(3), { timeout: 10_000, interval: 100 }).toBe("active");
    const back = await capture(() => provider.read!("c", { ...olds, offline: [3] }));
    expect(back.result!.props).not.toHaveProperty("offline");
    const done = await capture(() => provider.update!("c", olds, inputs(t!, [1, 2, 3, 4])));
    expect(done.error).toBeUndefined();
    expect(await activeIds(t)).toEqual([1, 2, 3, 4]);
  });

  it("a rebalance stalled on a crashed broker names it in its progress and in the deadline's message", async () => {
    t = await startProviderSim();
    const olds = await createMembership(t, [1, 2, 3]);
    await t.provision(4);
    const pending = capture(() =>
      provider.update!("c", olds, inputs(t!, [1, 2, 3, 4], { ...SLOW, timeoutMs: 15_000 })),
    );
    await waitRunning();
    await t.stopBroker(4);
    const { error, lines } = await pending;
    const message = (error as Error).message;
    expect(message).toMatch(/deadline of 15s ran out/);
    expect(message).toMatch(/waiting on broker 4 \((offline|heartbeat late): no heartbeat for [\d.]+s\)/);
    expect(lines.join("\n")).toMatch(/no progress for [\d.]+s, waiting on broker 4/);
    await t.startBroker(4);
  });
});

describe("the leader guard", () => {
  it("one broker cut off while the others follow the leader: names that broker, not 'no leader'", async () => {
    t = await startProviderSim();
    const olds = await createMembership(t, [1, 2, 3]);
    await t.provision(4);
    const leader = (await t.cluster({ token: TOKEN }).refresh()).leader_id!;
    const lone = [1, 2, 3].find((id) => id !== leader)!;
    await t.cut([[...[1, 2, 3, 4].filter((id) => id !== lone)], [lone]]);
    let message = "";
    for (let i = 0; i < 60 && !message.includes("guard leader failed"); i++) {
      const { error } = await capture(() => provider.diff!("c", olds, inputs(t!, [1, 2, 3, 4])));
      message = error instanceof Error ? error.message : "";
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(message).toContain(
      `guard leader failed: broker ${lone} cannot see the leader: broker ${leader} leads`,
    );
    expect(message).not.toContain("no single leader");
    expect(message).not.toContain("has no leader");
  });
});

describe("removing the Raft leader", () => {
  it("says at preview that its leave costs an election, and removes it last", async () => {
    t = await startProviderSim();
    const olds = await createMembership(t, [1, 2, 3, 4, 5]);
    const leader = (await t.cluster({ token: TOKEN }).refresh()).leader_id!;
    const other =
      [1, 2, 3, 4, 5].find((id) => id !== leader && id > leader) ??
      [1, 2, 3, 4, 5].find((id) => id !== leader)!;
    const keep = [1, 2, 3, 4, 5].filter((id) => id !== leader && id !== other);
    const preview = await capture(() => provider.diff!("c", olds, inputs(t!, keep)));
    expect(preview.error).toBeUndefined();
    expect(preview.lines.join("\n")).toContain(
      `broker ${leader} leads the Raft group: its leave costs an election (writes refused for up to ~10s`,
    );
    const up = await capture(() => provider.update!("c", olds, inputs(t!, keep)));
    expect(up.error).toBeUndefined();
    const text = up.lines.join("\n");
    const leftOther = text.indexOf(`broker ${other} drained and left`);
    const leftLeader = text.indexOf(`broker ${leader} drained and left`);
    expect(leftOther).toBeGreaterThanOrEqual(0);
    expect(leftLeader).toBeGreaterThan(leftOther);
    expect(await activeIds(t)).toEqual(keep);
  });
});

describe("Ctrl-C during an update", () => {
  it("stops the wait at once, says what goes on in the cluster, and a rerun attaches to it", async () => {
    t = await startProviderSim();
    const olds = await createMembership(t, [1, 2, 3]);
    await t.provision(4);
    // 512 KiB/s per move: the rebalance takes about 15 s, so an update that waits for it cannot pass.
    const news = inputs(t, [1, 2, 3, 4], { ...SLOW, throttleBytesPerS: 2 ** 19, timeoutMs: 120_000 });
    const pending = capture(() => provider.update!("c", olds, news));
    await waitRunning();
    const at = Date.now();
    interrupt("a test's Ctrl-C");
    const { error, lines } = await pending;
    expect(Date.now() - at).toBeLessThan(5_000);
    const message = (error as Error).message;
    expect(message).toMatch(
      /interrupted \(a test's Ctrl-C\): stopped waiting; still left: rebalance rb-\d+\b.*still running on the cluster/,
    );
    expect(message).toContain("`pulumi up` again finishes the change");
    expect(message).toContain("`pulumi cancel`");
    expect(lines.join("\n")).toContain("streambus: a test's Ctrl-C: stopping the wait now");
    const running = await rebalanceStatus(t);
    expect(running.status).toBe("running");

    resetInterrupt();
    const again = await capture(() => provider.update!("c", olds, news));
    expect(again.error).toBeUndefined();
    expect((await rebalanceStatus(t)).rebalance_id).toBe(running.rebalance_id);
    expect(await activeIds(t)).toEqual([1, 2, 3, 4]);
    expect(await t.integrity()).toMatchObject({ lost_messages: 0, diverged_replicas: 0 });
  });
});
