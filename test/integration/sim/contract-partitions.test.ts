import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ApiErrorBody,
  PartitionsHealthResponse,
  PartitionsResponse,
  RebalancePlan,
  RebalanceStarted,
  RebalanceStatus,
} from "../../../procedures/contract";
import type { SimCluster } from "../../../sim";
import { call, obj, startFormed, waitFor, waitRebalance } from "./helpers";

describe("partitions and rebalance", () => {
  let sim: SimCluster;
  beforeAll(async () => {
    // Slow moves, so that a rebalance is still running when the next call comes.
    sim = await startFormed({ brokers: 4, moveRateBytesPerS: 2 * 2 ** 20 });
  });
  afterAll(() => sim.stop());

  it("GET /admin/partitions: every partition with leader, replicas, ISR, size and offsets", async () => {
    const res = PartitionsResponse.parse(obj(await call(sim.brokerUrl(2), "GET", "/admin/partitions")));
    expect(res.partitions).toHaveLength(18);
    for (const p of res.partitions) {
      expect(p.replicas).toHaveLength(3);
      expect(p.isr.sort()).toEqual([...p.replicas].sort());
      expect(p.replicas).toContain(p.leader);
      expect(p.size_bytes).toBe(p.log_end_offset * 1024);
    }
  });

  it("GET /admin/partitions/health: total and healthy", async () => {
    const res = PartitionsHealthResponse.parse(
      obj(await call(sim.brokerUrl(1), "GET", "/admin/partitions/health")),
    );
    expect(res).toMatchObject({ total: 18, healthy: 18, unhealthy: [] });
  });

  it("GET /admin/partitions/rebalance-status: idle before any rebalance", async () => {
    const res = RebalanceStatus.parse(
      obj(await call(sim.brokerUrl(1), "GET", "/admin/partitions/rebalance-status")),
    );
    expect(res).toMatchObject({ rebalance_id: null, status: "idle", moves_total: 0, started_at: null });
  });

  it("rebalance refusals: 400 for a broker that is not active, 409 unsafe replication below the RF", async () => {
    const learner = await call(sim.brokerUrl(1), "POST", "/admin/partitions/rebalance", {
      brokers: [1, 2, 3, 4],
    });
    expect([learner.status, obj(learner)["error"]]).toEqual([400, "invalid_request"]);
    const few = await call(sim.brokerUrl(1), "POST", "/admin/partitions/rebalance", { brokers: [1, 2] });
    const body = ApiErrorBody.parse(few.body);
    expect([few.status, body.error, body.reason]).toEqual([409, "unsafe", "replication"]);
  });

  it("a balanced cluster answers 200 completed with moves_total 0", async () => {
    const res = await call(sim.brokerUrl(1), "POST", "/admin/partitions/rebalance", {});
    expect(res.status).toBe(200);
    expect(RebalanceStarted.parse(res.body)).toMatchObject({ status: "completed", moves_total: 0 });
  });

  it("dry_run: 200 with the plan, and nothing changes", async () => {
    await call(sim.brokerUrl(1), "POST", "/admin/cluster/join", { broker_id: 4 });
    const before = PartitionsResponse.parse(obj(await call(sim.brokerUrl(1), "GET", "/admin/partitions")));
    const res = await call(sim.brokerUrl(3), "POST", "/admin/partitions/rebalance", { dry_run: true });
    expect(res.status).toBe(200);
    const plan = RebalancePlan.parse(res.body);
    // 54 replicas over 4 brokers: 13 or 14 land on broker 4.
    expect(plan.moves_total).toBeGreaterThanOrEqual(13);
    expect(plan.moves_total).toBe(plan.moves.length);
    expect(plan.bytes_total).toBe(plan.moves.reduce((s, m) => s + m.bytes, 0));
    for (const m of plan.moves) expect(m.to).toContain(4);
    const after = PartitionsResponse.parse(obj(await call(sim.brokerUrl(1), "GET", "/admin/partitions")));
    expect(after.partitions.map((p) => p.replicas)).toEqual(before.partitions.map((p) => p.replicas));
  });

  it("202 running; a second call 409 conflict with the running id; status reports progress; DELETE cancels", async () => {
    const res = await call(sim.brokerUrl(2), "POST", "/admin/partitions/rebalance", {
      max_concurrent_moves: 2,
    });
    expect(res.status).toBe(202);
    const started = RebalanceStarted.parse(res.body);
    expect(started.status).toBe("running");
    const second = await call(sim.brokerUrl(1), "POST", "/admin/partitions/rebalance", {});
    const conflict = ApiErrorBody.parse(second.body);
    expect([second.status, conflict.error, conflict.rebalance_id]).toEqual([
      409,
      "conflict",
      started.rebalance_id,
    ]);
    const progress = await waitFor("a move to complete", async () => {
      const s = RebalanceStatus.parse(
        obj(await call(sim.brokerUrl(1), "GET", "/admin/partitions/rebalance-status")),
      );
      return s.moves_completed > 0 ? s : undefined;
    });
    expect(progress).toMatchObject({
      rebalance_id: started.rebalance_id,
      status: "running",
      finished_at: null,
    });
    expect(progress.bytes_moved).toBeGreaterThan(0);
    expect((await call(sim.brokerUrl(1), "GET", "/metrics")).text).toContain(
      'rebalance_in_progress{broker_id="1"} 1',
    );
    const cancel = await call(sim.brokerUrl(1), "DELETE", "/admin/partitions/rebalance");
    const cancelled = RebalanceStatus.parse(cancel.body);
    expect([cancel.status, cancelled.status]).toEqual([200, "cancelled"]);
    expect(cancelled.moves_completed).toBeLessThan(cancelled.moves_total);
    expect(cancelled.finished_at).not.toBeNull();
    // Moves done stay done: broker 4 keeps what it received.
    const parts = PartitionsResponse.parse(obj(await call(sim.brokerUrl(1), "GET", "/admin/partitions")));
    expect(parts.partitions.filter((p) => p.replicas.includes(4)).length).toBe(cancelled.moves_completed);
  });

  it("a new rebalance finishes the job: completed, every move done, balanced", async () => {
    const res = await call(sim.brokerUrl(1), "POST", "/admin/partitions/rebalance", {
      max_concurrent_moves: 8,
    });
    expect(res.status).toBe(202);
    const done = RebalanceStatus.parse(await waitRebalance(sim));
    expect(done.status).toBe("completed");
    expect(done.moves_completed).toBe(done.moves_total);
    expect(done.bytes_moved).toBe(done.bytes_total);
    const parts = PartitionsResponse.parse(obj(await call(sim.brokerUrl(1), "GET", "/admin/partitions")));
    const counts = [1, 2, 3, 4].map((b) => parts.partitions.filter((p) => p.replicas.includes(b)).length);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
  });
});
