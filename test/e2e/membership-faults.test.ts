import { execFileSync, spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestSim } from "../integration/helpers/sim";
import { createE2EStack, repoRoot, type E2EStack } from "./harness";
import {
  adminOf,
  expectIntact,
  localConfig,
  membersIn,
  startEmptySim,
  upWithOutput,
} from "./membership-helpers";

/** Every process below `pid` (children, theirs, ...), from `ps`. */
function descendantsOf(pid: number): number[] {
  const pairs = execFileSync("ps", ["-e", "-o", "pid=,ppid="], { encoding: "utf8" })
    .trim()
    .split("\n")
    .map((line) => line.trim().split(/\s+/).map(Number) as [number, number]);
  const found: number[] = [];
  for (let frontier = [pid]; frontier.length > 0;) {
    frontier = pairs.filter(([, parent]) => frontier.includes(parent)).map(([child]) => child);
    found.push(...frontier);
  }
  return found;
}

/**
 * Faults while `pulumi up` changes the membership: each up completes or fails with a clear error,
 * and running it again converges with nothing lost. Also `pulumi up` killed with SIGKILL in the
 * middle of a drain, recovered as the README says.
 */
describe("faults during a membership change", () => {
  let t: TestSim;
  let e2e: E2EStack;
  const set = (brokers: number[]) => e2e.stack.setAllConfig(localConfig(t, brokers));

  /** Waits until the cluster is moving data (a rebalance runs or a broker drains). */
  async function moving(): Promise<void> {
    const admin = adminOf(t);
    await expect
      .poll(
        async () => {
          const [status, members] = await Promise.all([admin.admin.rebalanceStatus(), admin.refresh()]);
          return status.status === "running" || members.members.some((m) => m.state === "draining");
        },
        { timeout: 60_000, interval: 100 },
      )
      .toBe(true);
  }

  /** Runs up; when it fails, the error must say something, and a rerun (faults cleared) converges. */
  async function upThenConverge(during: () => Promise<void>, want: number[]): Promise<void> {
    const pending = upWithOutput(e2e);
    await during();
    const first = await pending;
    await t.clearFaults();
    await t.heal();
    if (!first.ok) {
      expect(first.text).toMatch(/error/i);
      const second = await upWithOutput(e2e);
      expect(second.ok, second.text).toBe(true);
    }
    // A broker restarted by the fault reads offline until its next heartbeat (the emulator here
    // marks it after 1.5 s without one); an up that succeeded may end inside that moment.
    await expect.poll(() => membersIn(t), { timeout: 15_000, interval: 250 }).toEqual(want);
    await expectIntact(t);
  }

  beforeAll(async () => {
    t = await startEmptySim();
    e2e = await createE2EStack("faults");
    await set([1, 2, 3]);
    const up = await upWithOutput(e2e);
    expect(up.ok, up.text).toBe(true);
  }, 180_000);
  afterAll(async () => {
    await t?.clearFaults().catch(() => undefined);
    await e2e?.cleanup();
    await t?.stop();
  }, 240_000);

  it("a broker that crashes mid-rebalance and comes back", async () => {
    await set([1, 2, 3, 4]);
    await upThenConverge(async () => {
      await moving();
      await t.stopBroker(2);
      await new Promise((r) => setTimeout(r, 1_500));
      await t.startBroker(2);
    }, [1, 2, 3, 4]);
  }, 300_000);

  it("20 % of admin calls failing with 500", async () => {
    await set([1, 2, 3]);
    await upThenConverge(() => t.fault({ error_rate: 0.2 }), [1, 2, 3]);
  }, 300_000);

  it("a second of latency on every call to broker 1", async () => {
    await set([1, 2, 3, 4]);
    await upThenConverge(() => t.fault({ broker_id: 1, latency_ms: 1_000 }), [1, 2, 3, 4]);
  }, 300_000);

  it("a leader change mid-drain", async () => {
    await set([1, 2, 3]);
    await upThenConverge(async () => {
      await moving();
      const leader = (await adminOf(t).refresh()).leader_id ?? 1;
      const others = [1, 2, 3, 4].filter((id) => id !== leader);
      await t.cut([[leader], others]);
      await new Promise((r) => setTimeout(r, 2_000));
      await t.heal();
    }, [1, 2, 3]);
  }, 300_000);

  it("pulumi up killed with SIGKILL mid-drain converges after the README's recovery", async () => {
    await set([1, 2, 3, 4]);
    expect((await upWithOutput(e2e)).ok).toBe(true);
    await set([1, 2, 3]);
    // The CLI as a user runs it; the kill takes it and every process under it at once, as the loss
    // of the machine or CI runner would (pulumi starts its plugins in process groups of their own).
    const child = spawn("pulumi", ["up", "--yes", "--non-interactive", "--stack", e2e.name], {
      cwd: repoRoot,
      detached: true,
      stdio: "ignore",
    });
    await moving();
    for (const pid of [child.pid!, ...descendantsOf(child.pid!)]) process.kill(pid, "SIGKILL");
    await new Promise((r) => child.on("exit", r));

    // The README's recovery. The dead run's lock names its pid and says how to remove it.
    const locked = await e2e.pulumi("up", "--yes");
    expect(locked.code).not.toBe(0);
    expect(locked.stdout + locked.stderr).toMatch(/currently locked .*`pulumi cancel`/);
    expect(locked.stdout + locked.stderr).toMatch(/created by .*\(pid \d+\)/);
    const cancel = await e2e.pulumi("cancel", "--yes");
    expect(cancel.code, cancel.stdout + cancel.stderr).toBe(0);
    // The next up finishes the drain the killed one started (it does not start another).
    const again = await e2e.pulumi("up", "--yes");
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(await membersIn(t)).toEqual([1, 2, 3]);
    expect(await t.machines()).toEqual([1, 2, 3]);
    await expectIntact(t);
  }, 300_000);

  it("Ctrl-C (SIGINT to pulumi's process group) mid-rebalance stops at once, says what goes on, and a rerun converges", async () => {
    await e2e.stack.setAllConfig(
      localConfig(t, [1, 2, 3, 4], {
        rebalance: { throttle: "2MB/s", maxConcurrentMoves: 2, timeout: "5m" },
      }),
    );
    // As a terminal's Ctrl-C: SIGINT to the foreground process group, here pulumi's own (the
    // engine starts its plugins in groups of their own; it cancels them through the provider protocol).
    const child = spawn("pulumi", ["up", "--yes", "--non-interactive", "--stack", e2e.name], {
      cwd: repoRoot,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | null>((r) => child.on("exit", r));
    await moving();
    const at = Date.now();
    process.kill(-child.pid!, "SIGINT");
    const code = await exited;
    const tookMs = Date.now() - at;
    expect(code, out).not.toBe(0);
    // Well before the deadline (5 m) and before the rebalance would end on its own (~20 s).
    expect(tookMs, out).toBeLessThan(15_000);
    expect(out).toMatch(/streambus: Ctrl-C: stopping the wait now/);
    expect(out).toMatch(
      /interrupted \(Ctrl-C\): stopped waiting; still left: rebalance rb-\d+\b.*still running on the cluster/,
    );
    expect(out).toContain("`pulumi up` again finishes the change");
    expect(out).toContain("`pulumi cancel` only if the stack is left locked");
    const running = await adminOf(t).admin.rebalanceStatus();
    expect(running.status).toBe("running");

    const again = await upWithOutput(e2e);
    expect(again.ok, again.text).toBe(true);
    expect((await adminOf(t).admin.rebalanceStatus()).rebalance_id).toBe(running.rebalance_id);
    expect(await membersIn(t)).toEqual([1, 2, 3, 4]);
    await expectIntact(t);
  }, 300_000);

  it("a declared broker left offline after a crash: up says so, and refresh records it", async () => {
    await set([1, 2, 3, 4]);
    expect((await upWithOutput(e2e)).ok).toBe(true);
    await t.stopBroker(4);
    const stateOf4 = async () => (await adminOf(t).refresh()).members.find((m) => m.broker_id === 4)?.state;
    try {
      await expect.poll(stateOf4, { timeout: 30_000, interval: 200 }).toBe("offline");
      const up = await upWithOutput(e2e);
      expect(up.ok, up.text).toBe(true); // nothing to change: the cluster runs without it
      expect(up.text).toMatch(/warning: declared broker 4 \(no heartbeat for [\d.]+s\) is offline/);

      let text = "";
      const refresh = await e2e.stack.refresh({ onOutput: (o) => (text += o) });
      expect(refresh.summary.resourceChanges?.update ?? 0, text).toBeGreaterThanOrEqual(1);
      const state = await e2e.stack.exportStack();
      const membership = state.deployment.resources.find((r: { type: string }) =>
        r.type.endsWith("streambus:ClusterMembership"),
      );
      expect(membership.outputs.offline).toEqual([4]);
    } finally {
      await t.startBroker(4);
    }
    await expect.poll(stateOf4, { timeout: 30_000, interval: 200 }).toBe("active");
    // Back: the next up records it (no work on the cluster), and then there is nothing to change.
    const back = await upWithOutput(e2e);
    expect(back.ok, back.text).toBe(true);
    const after = await e2e.stack.exportStack();
    const membership = after.deployment.resources.find((r: { type: string }) =>
      r.type.endsWith("streambus:ClusterMembership"),
    );
    expect(membership.outputs.offline).toBeUndefined();
    expect((await e2e.stack.preview()).changeSummary.update ?? 0).toBe(0);
  }, 300_000);
});
