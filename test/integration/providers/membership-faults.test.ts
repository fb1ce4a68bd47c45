/**
 * The membership update under faults, against the emulator: a deadline that runs out mid-
 * rebalance (the next update attaches to the running one), a broker crash and a leader change
 * mid-rebalance, 20 % injected API errors, 1 s latency. Each update completes or fails with a
 * clear error, a rerun converges, and nothing is lost or diverged. And the token: a wrong one is
 * refused clearly, a rotated one works on the next call, and it is never printed.
 */
import { afterEach, describe, expect, it } from "vitest";
import { balanceOf } from "../../../procedures";
import { provider, type MembershipInputs, type MembershipOutputs } from "../../../providers/membership";
import type { TestSim } from "../helpers/sim";
import {
  TOKEN,
  activeIds,
  capture,
  configureToken,
  createMembership,
  inputs,
  rebalanceStatus,
  rebalancesStarted,
  startProviderSim,
} from "./helpers";

let t: TestSim | undefined;
afterEach(async () => {
  await configureToken(TOKEN);
  await t?.clearFaults().catch(() => undefined);
  await t?.stop();
  t = undefined;
});

/** Slow moves (2 MiB/s per move): a 3 → 4 rebalance takes a few seconds. */
const SLOW: Partial<MembershipInputs> = { throttleBytesPerS: 2 * 2 ** 20, maxConcurrentMoves: 2 };

async function withFour(): Promise<{ olds: MembershipOutputs; news: MembershipInputs }> {
  t = await startProviderSim();
  const olds = await createMembership(t, [1, 2, 3]);
  await t.provision(4);
  return { olds, news: inputs(t, [1, 2, 3, 4], SLOW) };
}

async function waitRunning(): Promise<void> {
  await expect
    .poll(async () => (await rebalanceStatus(t!)).status, {
      timeout: 5_000,
      interval: 50,
      message: "no rebalance started",
    })
    .toBe("running");
}

/** After a rerun: four active members, balanced, nothing lost or diverged, the token never printed. */
async function assertConverged(lines: string[]): Promise<void> {
  expect(await activeIds(t!)).toEqual([1, 2, 3, 4]);
  const parts = await t!.cluster({ token: TOKEN }).admin.partitions();
  expect(balanceOf(parts.partitions, [1, 2, 3, 4]).balanced).toBe(true);
  expect(await t!.integrity()).toMatchObject({ lost_messages: 0, diverged_replicas: 0, offline: 0 });
  expect(lines.join("\n")).not.toContain(TOKEN);
}

/** An update that completes, or fails with one clear line naming the change; then a rerun converges. */
async function completesOrFailsClearly(
  olds: MembershipOutputs,
  news: MembershipInputs,
  heal: () => Promise<void>,
  allowed: RegExp,
): Promise<void> {
  const first = await capture(() => provider.update!("c", olds, news));
  await heal();
  if (first.error) {
    const message = (first.error as Error).message;
    expect(message).toMatch(/^membership update \[1, 2, 3\] → \[1, 2, 3, 4\]: /);
    expect(message).toMatch(allowed);
  }
  const rerun = await capture(() => provider.update!("c", olds, { ...news, timeoutMs: 60_000 }));
  expect(rerun.error).toBeUndefined();
  await assertConverged([...first.lines, ...rerun.lines]);
}

describe("membership update under faults", () => {
  it("a deadline that runs out mid-rebalance leaves it running; the next update attaches to it", async () => {
    const { olds, news } = await withFour();
    const before = await rebalancesStarted(t!);
    const first = await capture(() => provider.update!("c", olds, { ...news, timeoutMs: 1_500 }));
    expect((first.error as Error).message).toMatch(
      /^membership update \[1, 2, 3\] → \[1, 2, 3, 4\]: membership: deadline of 1\.5s ran out; left: rebalance rb-\d+ at \d+\/\d+ moves \(.*%\), still running on the cluster\. Nothing was rolled back: run it again to continue\. The cluster's work goes on; the next `pulumi up` continues it, attaching to the running rebalance or drain/,
    );
    const running = await rebalanceStatus(t!);
    expect(running.status).toBe("running");
    const second = await capture(() => provider.update!("c", olds, news));
    expect(second.error).toBeUndefined();
    expect(await rebalancesStarted(t!)).toBe(before + 1);
    expect(await rebalanceStatus(t!)).toMatchObject({
      rebalance_id: running.rebalance_id,
      status: "completed",
    });
    await assertConverged([...first.lines, ...second.lines]);
  });

  it("a broker crash mid-rebalance", async () => {
    const { olds, news } = await withFour();
    const update = capture(() => provider.update!("c", olds, news));
    await waitRunning();
    await t!.stopBroker(2);
    await new Promise((r) => setTimeout(r, 1_000));
    await t!.startBroker(2);
    const first = await update;
    if (first.error)
      expect((first.error as Error).message).toMatch(/^membership update \[1, 2, 3\] → \[1, 2, 3, 4\]: /);
    const rerun = await capture(() => provider.update!("c", olds, news));
    expect(rerun.error).toBeUndefined();
    await assertConverged([...first.lines, ...rerun.lines]);
  });

  it("a leader change mid-rebalance", async () => {
    const { olds, news } = await withFour();
    const update = capture(() => provider.update!("c", olds, news));
    await waitRunning();
    const leader = ((await t!.cluster({ token: TOKEN }).refresh()).leader_id ?? 1) as number;
    await t!.stopBroker(leader);
    await new Promise((r) => setTimeout(r, 1_000));
    await t!.startBroker(leader);
    const first = await update;
    if (first.error)
      expect((first.error as Error).message).toMatch(/^membership update \[1, 2, 3\] → \[1, 2, 3, 4\]: /);
    const rerun = await capture(() => provider.update!("c", olds, news));
    expect(rerun.error).toBeUndefined();
    await assertConverged([...first.lines, ...rerun.lines]);
  });

  it("20 % injected API errors", async () => {
    const { olds, news } = await withFour();
    await t!.fault({ error_rate: 0.2 });
    await completesOrFailsClearly(olds, news, () => t!.clearFaults(), /injected fault|answered 500/);
    // The faults did strike: the brokers counted failed calls.
    const failed = await Promise.all(
      [1, 2, 3, 4].map(async (id) => {
        const text = await (await fetch(`${t!.sim.brokerUrl(id)}/metrics`)).text();
        return text
          .split("\n")
          .filter((l) => l.startsWith("errors_total{"))
          .reduce((s, l) => s + Number(l.split(" ").at(-1)), 0);
      }),
    );
    expect(failed.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });

  it("1 s latency on the broker every call goes to first", async () => {
    const { olds, news } = await withFour();
    await t!.fault({ broker_id: 1, latency_ms: 1_000 });
    const started = Date.now();
    const done = await capture(() =>
      provider.update!("c", olds, { ...news, ...{ throttleBytesPerS: 16 * 2 ** 20 } }),
    );
    expect(done.error).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(60_000);
    await t!.clearFaults();
    await assertConverged(done.lines);
  });
});

describe("the admin token", () => {
  it("a wrong token is refused with a clear error that does not show it; a rotated one works at once", async () => {
    t = await startProviderSim();
    const olds = await createMembership(t, [1, 2, 3]);
    await configureToken("not-the-token-42");
    const wrong = await capture(() => provider.read!("c", olds));
    const message = (wrong.error as Error).message;
    expect(message).toMatch(
      /^membership read \(tried http:\/\/127\.0\.0\.1:\d+, .*\): the cluster refused the call \(401 unauthorized, GET http:\/\/127\.0\.0\.1:\d+\/admin\/cluster\/members\): the admin token in the stack config is wrong; set it with `pulumi config set --secret streambus:adminToken <token>`$/,
    );
    expect(message).not.toContain("not-the-token-42");
    await configureToken(undefined);
    const none = await capture(() => provider.diff!("c", olds, inputs(t!, [1, 2])));
    expect((none.error as Error).message).toContain("no admin token is set");
    await configureToken(TOKEN);
    const right = await provider.read!("c", olds);
    expect(right.props).toMatchObject({ brokers: [1, 2, 3], unmanaged: [] });
    expect(JSON.stringify(right)).not.toContain(TOKEN);
  });
});
