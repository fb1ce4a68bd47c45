/**
 * `streambus-ops` checks against the emulator with faults injected through its control API: the
 * verdicts must not depend on which broker is listed first, and each line must say what is wrong.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { checkHealth, checkQuorum } from "../../../procedures";
import { eventually, startTestSim, type TestSim } from "../helpers/sim";
import { ensureBuilt, runCli } from "./helpers";

let t: TestSim;

beforeAll(async () => {
  ensureBuilt();
  // A leader cut off keeps saying it leads for 30 s: long enough for three CLI runs to see the
  // split brain even on a loaded 2-core CI machine (8 s was not, with the test suite beside it).
  t = await startTestSim({ checkQuorumMs: 30_000 });
  const c = t.cluster();
  await eventually(async () => (await checkHealth(c)).ok, 15_000, "a healthy cluster");
}, 120_000);
afterAll(() => t?.stop());
afterEach(async () => {
  await t.clearFaults();
  await t.heal();
  for (const id of [1, 2, 3]) await t.startBroker(id);
  const c = t.cluster();
  await eventually(async () => (await checkHealth(c)).ok, 20_000, "healed");
});

const run = (args: string[], ids: number[]) => runCli(args, { STREAMBUS_BROKERS: t.urls(...ids).join(",") });

describe("checks under faults", () => {
  it("a broker that answers 500 to every admin call, listed first: partitions and members pass through another broker; health and quorum name it and exit 1", async () => {
    await t.fault({ broker_id: 1, error_rate: 1 });
    for (const command of ["partitions", "members"]) {
      const r = await run([command], [1, 2, 3]);
      expect({ command, code: r.code, stderr: r.stderr }).toEqual({ command, code: 0, stderr: "" });
    }
    // Its `/health` still answers "healthy": the admin API is what fails, and health says so.
    const h = await run(["health"], [1, 2, 3]);
    expect({ code: h.code, stderr: h.stderr }).toEqual({ code: 1, stderr: "" });
    expect(h.stdout).toContain("✗ broker-1: unhealthy (its admin API does not answer: HTTP 500 internal)");
    expect(h.stdout).toMatch(/^✓ Raft: quorum OK \(2\/3\)$/m);
    const q = await run(["quorum"], [1, 2, 3]);
    expect({ code: q.code, stderr: q.stderr }).toEqual({ code: 1, stderr: "" });
    expect(q.stdout).toContain("✗ broker-1: unreachable (HTTP 500 internal)");
  });

  it("a split brain: health names it in either broker order, with the lines quorum prints", async () => {
    const c = t.cluster();
    const before = await checkQuorum(c);
    const old = before.leaderId!;
    const others = [1, 2, 3].filter((id) => id !== old);
    await t.cut([[old], others]);
    await eventually(
      async () => (await checkQuorum(c)).findings.some((f) => f.kind === "split_brain"),
      5_000,
      "split brain",
    );
    const [forward, backward, quorum] = await Promise.all([
      run(["health"], [old, ...others]),
      run(["health"], [...others, old]),
      run(["quorum"], [1, 2, 3]),
    ]);
    const splitLine = quorum.stdout.split("\n").find((l) => l.startsWith("✗ Split brain: "));
    expect(splitLine).toBeDefined();
    for (const r of [forward, backward]) {
      expect(r.code).toBe(1);
      expect(r.stdout.split("\n")).toContain(splitLine);
      expect(r.stdout).not.toContain("quorum OK");
    }
  });

  it("a broker stopped until offline: the partitions line names it, never equal counts as unbalanced", async () => {
    await t.stopBroker(3);
    const c = t.cluster();
    await eventually(
      async () => (await c.refresh()).members.find((m) => m.broker_id === 3)?.state === "offline",
      10_000,
      "broker 3 offline",
    );
    const r = await run(["health"], [1, 2, 3]);
    expect(r.code).toBe(1);
    const line = r.stdout.split("\n").find((l) => l.startsWith("✗ Partitions: "));
    expect(line).toMatch(
      /^✗ Partitions: \d+ of \d+ unhealthy, broker-3 \(offline\) still holds \d+ replicas \(see `streambus-ops partitions`\)$/,
    );
    const p = await run(["partitions"], [1, 2, 3]);
    expect(p.stdout).toMatch(/^✗ Balance: broker-3 \(offline\) still holds \d+ replicas$/m);
  });

  it("a broker failing every call: latency names that broker by the HighErrorRate alert's measure, not an op", async () => {
    await t.fault({ broker_id: 2, error_rate: 1 });
    // Two ops failing on broker 2 for the whole run: each counts towards the broker's rate.
    let loading = true;
    const load = (async () => {
      while (loading) {
        await Promise.all(
          ["/admin/topics", "/admin/cluster/members"].map((path) =>
            fetch(`${t.sim.brokerUrl(2)}${path}`)
              .then((r) => r.arrayBuffer())
              .catch(() => undefined),
          ),
        );
      }
    })();
    try {
      const r = await run(["latency", "--sample", "2s", "--top", "1"], [1, 2, 3]);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(
        /^✗ broker-2: \d+\.\d errors\/s is above 10\/s \(errors per second answered by one broker, every op summed: the HighErrorRate alert's measure\)$/m,
      );
      // Ops are judged by their p99 only: their error counts are for the diagnosis.
      expect(r.stdout.split("\n").filter((l) => l.startsWith("✗ ") && !l.startsWith("✗ broker-"))).toEqual(
        [],
      );
      expect(r.stdout).not.toMatch(/^✗ broker-[13]:/m);
    } finally {
      loading = false;
      await load;
    }
  });
});
