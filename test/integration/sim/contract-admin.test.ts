import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ApiErrorBody,
  ClusterConfig,
  DeleteTopicResponse,
  MetadataExport,
  Quotas,
  RaftStatus,
  ReadOnlyResponse,
  SlowQueriesResponse,
  Snapshot,
  Task,
  TaskAccepted,
  Topic,
  TopicsResponse,
} from "../../../procedures/contract";
import type { SimCluster } from "../../../sim";
import { call, obj, startFormed, waitFor } from "./helpers";

describe("topics, config, quotas, raft, storage and maintenance", () => {
  let sim: SimCluster;
  let url: string;
  beforeAll(async () => {
    sim = await startFormed({ brokers: 3 });
    url = sim.brokerUrl(2);
  });
  afterAll(() => sim.stop());

  it("GET /admin/topics: the seeded topics with their effective config", async () => {
    const res = TopicsResponse.parse(obj(await call(url, "GET", "/admin/topics")));
    expect(res.topics.map((t) => [t.name, t.partitions, t.replication_factor])).toEqual([
      ["events", 12, 3],
      ["orders", 6, 3],
    ]);
    expect(res.topics[0]?.config).toEqual({
      retention_ms: 604800000,
      retention_bytes: 107374182400,
      cleanup_policy: "delete",
    });
  });

  it("PUT /admin/topics/{name}: creates (200), repeats (200), grows (200)", async () => {
    const body = { partitions: 3, replication_factor: 2, config: { retention_ms: 3600000 } };
    const created = await call(url, "PUT", "/admin/topics/billing", body);
    expect(created.status).toBe(200);
    expect(Topic.parse(created.body)).toMatchObject({
      name: "billing",
      partitions: 3,
      config: { retention_ms: 3600000 },
    });
    expect((await call(url, "PUT", "/admin/topics/billing", body)).status).toBe(200);
    const grown = await call(url, "PUT", "/admin/topics/billing", { ...body, partitions: 5 });
    expect([grown.status, obj(grown)["partitions"]]).toEqual([200, 5]);
    const parts = obj(await call(url, "GET", "/admin/partitions"))["partitions"] as {
      topic: string;
      replicas: number[];
    }[];
    const billing = parts.filter((p) => p.topic === "billing");
    expect(billing).toHaveLength(5);
    for (const p of billing) expect(new Set(p.replicas).size).toBe(2);
  });

  it("PUT /admin/topics/{name}: 409 conflict for fewer partitions or another RF, 409 unsafe above the active members, 400 bad body", async () => {
    const fewer = await call(url, "PUT", "/admin/topics/billing", { partitions: 2, replication_factor: 2 });
    expect([fewer.status, obj(fewer)["error"]]).toEqual([409, "conflict"]);
    const rf = await call(url, "PUT", "/admin/topics/billing", { partitions: 5, replication_factor: 3 });
    expect([rf.status, obj(rf)["error"]]).toEqual([409, "conflict"]);
    const wide = await call(url, "PUT", "/admin/topics/wide", { partitions: 1, replication_factor: 4 });
    const body = ApiErrorBody.parse(wide.body);
    expect([wide.status, body.error, body.reason]).toEqual([409, "unsafe", "replication"]);
    const bad = await call(url, "PUT", "/admin/topics/bad", { partitions: 0, replication_factor: 1 });
    expect([bad.status, obj(bad)["error"]]).toEqual([400, "invalid_request"]);
  });

  it("DELETE /admin/topics/{name}: 200, and 200 for an unknown topic", async () => {
    const res = await call(url, "DELETE", "/admin/topics/billing");
    expect([res.status, DeleteTopicResponse.parse(res.body).deleted]).toEqual([200, true]);
    const again = await call(url, "DELETE", "/admin/topics/billing");
    expect([again.status, obj(again)["deleted"]]).toEqual([200, false]);
  });

  it("GET and PUT /admin/config: the whole shape; a partial body is 400", async () => {
    const config = ClusterConfig.parse(obj(await call(url, "GET", "/admin/config")));
    const next = { ...config, retention: { max_bytes: 2 ** 30, max_age_s: 86400 } };
    const put = await call(sim.brokerUrl(3), "PUT", "/admin/config", next);
    expect([put.status, put.body]).toEqual([200, next]);
    expect(obj(await call(sim.brokerUrl(1), "GET", "/admin/config"))).toEqual(next);
    const partial = await call(url, "PUT", "/admin/config", { retention: next.retention });
    expect([partial.status, obj(partial)["error"]]).toEqual([400, "invalid_request"]);
  });

  it("GET and POST /admin/quotas: replaces every quota; the runbook's default-only body works", async () => {
    expect(Quotas.parse(obj(await call(url, "GET", "/admin/quotas")))).toEqual({ default: {}, clients: {} });
    const full = {
      default: { produce_rate: 10000, consume_rate: 20000 },
      clients: { billing: { produce_rate: 500 } },
    };
    expect(obj(await call(url, "POST", "/admin/quotas", full))).toEqual(full);
    const runbook = await call(url, "POST", "/admin/quotas", { default: { produce_rate: 10000 } });
    expect([runbook.status, runbook.body]).toEqual([200, { default: { produce_rate: 10000 }, clients: {} }]);
  });

  it("GET /admin/raft/status, POST /admin/raft/snapshot, GET /admin/metadata/export", async () => {
    const raft = RaftStatus.parse(obj(await call(url, "GET", "/admin/raft/status")));
    expect(raft).toMatchObject({
      broker_id: 2,
      state: "follower",
      leader_id: 1,
      voters: [1, 2, 3],
      learners: [],
    });
    expect(raft.applied_index).toBeLessThanOrEqual(raft.commit_index);
    const snap = Snapshot.parse(obj(await call(url, "POST", "/admin/raft/snapshot")));
    expect(snap.snapshot_id).toBe(`snap-2-${snap.index}`);
    expect(snap.index).toBeGreaterThanOrEqual(raft.commit_index);
    const exp = MetadataExport.parse(obj(await call(url, "GET", "/admin/metadata/export")));
    expect(exp.members).toHaveLength(3);
    expect(exp.topics.map((t) => t.name)).toEqual(["events", "orders"]);
    expect(exp.quotas.default.produce_rate).toBe(10000);
  });

  it("storage tasks: 202 with a task id, running, then completed; 404 for an unknown task", async () => {
    const compact = await call(url, "POST", "/admin/storage/compact?aggressive=true");
    expect(compact.status).toBe(202);
    const { task_id } = TaskAccepted.parse(compact.body);
    expect(task_id).toMatch(/^compact-\d+$/);
    expect(Task.parse(obj(await call(url, "GET", `/admin/tasks/${task_id}`))).status).toBe("running");
    await waitFor(
      "the compaction",
      async () => obj(await call(url, "GET", `/admin/tasks/${task_id}`))["status"] === "completed",
    );
    const reindex = await call(url, "POST", "/admin/storage/rebuild-index");
    expect([reindex.status, obj(reindex)["task_id"]]).toEqual([202, expect.stringMatching(/^reindex-\d+$/)]);
    expect((await call(url, "GET", "/admin/tasks/compact-999")).status).toBe(404);
  });

  it("a task fails when its broker stops while it runs", async () => {
    const { task_id } = TaskAccepted.parse(
      obj(await call(sim.brokerUrl(3), "POST", "/admin/storage/compact")),
    );
    await call(sim.controlUrl, "POST", "/sim/brokers/3/stop");
    const task = await waitFor("the task to fail", async () => {
      const t = Task.parse(obj(await call(url, "GET", `/admin/tasks/${task_id}`)));
      return t.status === "failed" ? t : undefined;
    });
    expect(task.error).toContain("broker 3");
    await call(sim.controlUrl, "POST", "/sim/brokers/3/start");
  });

  it("POST /admin/readonly: on without a body (the runbook's call), ready says read_only, produce stops; off again", async () => {
    const on = await call(url, "POST", "/admin/readonly");
    expect([on.status, ReadOnlyResponse.parse(on.body)]).toEqual([200, { read_only: true }]);
    const ready = await call(sim.brokerUrl(1), "GET", "/health/ready");
    expect([ready.status, obj(ready)["reason"]]).toEqual([503, "read_only"]);
    const acked = async () =>
      obj(await call(sim.controlUrl, "GET", "/sim/integrity"))["acked_messages"] as number;
    const before = await acked();
    await new Promise((r) => setTimeout(r, 300));
    expect(await acked()).toBe(before);
    const off = await call(url, "POST", "/admin/readonly", { enabled: false });
    expect(off.body).toEqual({ read_only: false });
    await waitFor("produce to resume", async () => (await acked()) > before);
  });

  it("GET /admin/slow-queries: slow calls, slowest first", async () => {
    await call(sim.controlUrl, "POST", "/sim/faults", { broker_id: 1, latency_ms: 150 });
    await call(sim.brokerUrl(1), "GET", "/admin/topics");
    await call(sim.controlUrl, "DELETE", "/sim/faults");
    const slow = SlowQueriesResponse.parse(obj(await call(url, "GET", "/admin/slow-queries")));
    expect(slow[0]).toMatchObject({ op: "topics" });
    expect(slow[0]?.duration_ms).toBeGreaterThanOrEqual(150);
    for (let i = 1; i < slow.length; i++)
      expect(slow[i - 1]?.duration_ms).toBeGreaterThanOrEqual(slow[i]?.duration_ms ?? 0);
  });
});
