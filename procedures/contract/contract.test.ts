import { describe, expect, it } from "vitest";
import * as c from "./index";

// The contract's own examples, copied from streambus-admin-api.md: the schemas must accept them.
describe("contract schemas accept the contract's examples", () => {
  it("members, partitions, rebalance, topics, config, quotas, raft", () => {
    const member = {
      broker_id: 1,
      address: "10.0.1.11:9092",
      admin_url: "http://10.0.1.11:8080",
      rack: "us-east-1a",
      state: "active",
      raft_role: "leader",
      partitions: 12,
      last_heartbeat_ms: 40,
    };
    expect(
      c.MembersResponse.parse({ cluster_id: "sb-prod-7f3a", leader_id: 1, term: 7, members: [member] }),
    ).toMatchObject({ leader_id: 1 });
    const partition = {
      topic: "events",
      partition: 0,
      leader: 1,
      replicas: [1, 2, 3],
      isr: [1, 2, 3],
      size_bytes: 104857600,
      log_end_offset: 1834000,
    };
    expect(c.PartitionsResponse.parse({ partitions: [partition] }).partitions).toHaveLength(1);
    expect(
      c.PartitionsHealthResponse.parse({
        total: 48,
        healthy: 46,
        unhealthy: [
          { topic: "events", partition: 3, reason: "under_replicated", isr: [1, 2], replicas: [1, 2, 4] },
        ],
      }).unhealthy[0]?.reason,
    ).toBe("under_replicated");
    expect(
      c.RebalancePlan.parse({
        moves: [{ topic: "events", partition: 0, from: [1, 2, 3], to: [1, 2, 4], bytes: 104857600 }],
        moves_total: 24,
        bytes_total: 2516582400,
      }).moves_total,
    ).toBe(24);
    expect(c.RebalanceStarted.parse({ status: "completed", moves_total: 0 }).status).toBe("completed");
    expect(
      c.RebalanceStatus.parse({
        rebalance_id: "rb-17",
        status: "running",
        moves_total: 24,
        moves_completed: 10,
        bytes_total: 2516582400,
        bytes_moved: 1048576000,
        started_at: "2025-11-10T12:00:00Z",
        finished_at: null,
        error: null,
      }).bytes_moved,
    ).toBe(1048576000);
    expect(
      c.TopicsResponse.parse({
        topics: [
          {
            name: "events",
            partitions: 12,
            replication_factor: 3,
            config: { retention_ms: 604800000, retention_bytes: 107374182400, cleanup_policy: "delete" },
          },
        ],
      }).topics[0]?.name,
    ).toBe("events");
    expect(
      c.ClusterConfig.parse({
        retention: { max_bytes: 107374182400, max_age_s: 604800 },
        compaction: { enabled: true, interval_s: 3600, target_size_bytes: 53687091200 },
        storage: { flush_interval_ms: 5000 },
        network: { compression: true },
      }).network.compression,
    ).toBe(true);
    expect(
      c.Quotas.parse({
        default: { produce_rate: 10000, consume_rate: 20000 },
        clients: { billing: { produce_rate: 500 } },
      }).clients["billing"]?.produce_rate,
    ).toBe(500);
    expect(c.QuotasRequest.parse({ default: { produce_rate: 10000 } }).clients).toBeUndefined();
    expect(
      c.RaftStatus.parse({
        broker_id: 1,
        state: "leader",
        term: 7,
        leader_id: 1,
        commit_index: 98211,
        applied_index: 98211,
        voters: [1, 2, 3],
        learners: [4],
      }).learners,
    ).toEqual([4]);
    expect(c.ReadOnlyRequest.parse({}).enabled).toBe(true);
  });

  it("keeps response schemas tolerant of added fields and error details", () => {
    expect(c.LiveResponse.safeParse({ status: "live", uptime_s: 3 }).success).toBe(true);
    const err = c.ApiErrorBody.parse({
      error: "unsafe",
      message: "broker 4 still holds 12 partition replicas",
      reason: "not_drained",
      partitions: 12,
    });
    expect(err.partitions).toBe(12);
    expect(c.ApiErrorBody.safeParse({ error: "nope", message: "x" }).success).toBe(false);
  });

  it("keeps stale: true on every JSON-object read under /admin (reads under no quorum)", () => {
    const config = {
      retention: { max_bytes: 1, max_age_s: 1 },
      compaction: { enabled: true, interval_s: 1, target_size_bytes: 1 },
      storage: { flush_interval_ms: 1 },
      network: { compression: true },
    };
    const quotas = { default: {}, clients: {} };
    const reads = [
      [c.ClusterConfig, config],
      [c.Quotas, quotas],
      [
        c.MetadataExport,
        { exported_at: "2025-11-10T12:00:00Z", cluster_id: "x", members: [], topics: [], config, quotas },
      ],
      [c.Task, { task_id: "compact-3", status: "running", error: null }],
      [c.TopicsResponse, { topics: [] }],
      [c.MembersResponse, { cluster_id: "x", leader_id: null, term: 1, members: [] }],
      [c.PartitionsResponse, { partitions: [] }],
      [c.PartitionsHealthResponse, { total: 0, healthy: 0, unhealthy: [] }],
      [c.BrokerPartitionsResponse, { broker_id: 1, count: 0, partitions: [] }],
    ] as const;
    for (const [schema, body] of reads) {
      expect(schema.parse({ ...body, stale: true }).stale).toBe(true);
      expect(schema.parse(body).stale).toBeUndefined();
    }
  });

  it("rejects malformed requests", () => {
    expect(c.JoinRequest.safeParse({ broker_id: 0 }).success).toBe(false);
    expect(c.RebalanceRequest.safeParse({ brokers: [] }).success).toBe(false);
    expect(c.PutTopicRequest.safeParse({ partitions: 3 }).success).toBe(false);
  });
});
