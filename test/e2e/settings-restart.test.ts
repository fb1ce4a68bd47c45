import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RestartsResponse } from "../../sim";
import type { TestSim } from "../integration/helpers/sim";
import { createE2EStack, type E2EStack } from "./harness";
import { adminOf, expectIntact, startEmptySim, upWithOutput } from "./membership-helpers";
import { declare } from "./settings-helpers";

/**
 * A static setting (a port in the brokers' config file) changed through `pulumi up` on the local
 * platform restarts the brokers one at a time, followers first and the leader last, each after
 * the cluster was healthy again, as the emulator's restart log shows; nothing is lost. (That a
 * live setting restarts nothing is in settings.test.ts.)
 */
describe("a static setting restarts the brokers one at a time", () => {
  let t: TestSim;
  let e2e: E2EStack;
  const restarts = async () => RestartsResponse.parse(await t.control("GET", "/sim/restarts")).restarts;

  beforeAll(async () => {
    // Topics with data, so that a restarted broker has partitions to catch up on.
    t = await startEmptySim({
      topics: [{ name: "events", partitions: 6, replicationFactor: 3, sizeBytes: 2 * 2 ** 20 }],
    });
    e2e = await createE2EStack("restart");
    await declare(e2e, t, {});
    const up = await upWithOutput(e2e);
    expect(up.ok, up.text).toBe(true);
  }, 180_000);
  afterAll(async () => {
    await e2e?.cleanup();
    await t?.stop();
  }, 240_000);

  it("a port change in the brokers' file restarts them one at a time, leader last, each after the cluster was healthy", async () => {
    const leader = (await adminOf(t).refresh()).leader_id;
    await e2e.stack.setConfig("streambus:ports", { value: JSON.stringify({ raft: 9193 }) });
    const up = await upWithOutput(e2e);
    expect(up.ok, up.text).toBe(true);
    const log = await restarts();
    expect(log.map((r) => r.broker_id).sort()).toEqual([1, 2, 3]);
    expect(log.at(-1)?.broker_id).toBe(leader); // followers first: one election, not three
    for (const r of log)
      expect(r).toMatchObject({ healthy_before: true, unhealthy_partitions: 0, settling_brokers: [] });
    // One at a time: each began after the one before had finished and the cluster settled.
    const times = log.map((r) => Date.parse(r.started_at));
    for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThan(times[i - 1]!);
    expect(up.text).toMatch(/rolling restart for a new broker config/);
    // No live setting was written: only the brokers' files changed.
    const machines = (await t.control("GET", "/sim/brokers")) as {
      brokers: Array<{ restart_pending: boolean }>;
    };
    expect(machines.brokers.map((b) => b.restart_pending)).toEqual([false, false, false]);
    await expectIntact(t);
  }, 180_000);
});
