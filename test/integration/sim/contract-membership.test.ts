import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ApiErrorBody,
  BrokerPartitionsResponse,
  ClusterConfig,
  DrainResponse,
  LeaveResponse,
  Member,
  MembersResponse,
  MetadataExport,
  PartitionsHealthResponse,
  PartitionsResponse,
  Quotas,
  RaftStatus,
  RebalanceStatus,
  Task,
  TaskAccepted,
  TopicsResponse,
} from "../../../procedures/contract";
import type { SimCluster } from "../../../sim";
import { call, obj, startFormed, waitFor } from "./helpers";

describe("membership: members, join, drain, broker partitions, forwarding", () => {
  let sim: SimCluster;
  beforeAll(async () => {
    sim = await startFormed({ brokers: 4 });
  });
  afterAll(() => sim.stop());

  it("GET /admin/cluster/members: voters 1..3 active, 4 a learner, the leader and its term", async () => {
    const res = MembersResponse.parse(obj(await call(sim.brokerUrl(3), "GET", "/admin/cluster/members")));
    expect(res.leader_id).toBe(1);
    expect(res.term).toBeGreaterThanOrEqual(1);
    expect(res.stale).toBeUndefined();
    expect(res.members.map((m) => [m.broker_id, m.state, m.raft_role])).toEqual([
      [1, "active", "leader"],
      [2, "active", "follower"],
      [3, "active", "follower"],
      [4, "learner", "learner"],
    ]);
    expect(res.members[0]?.admin_url).toBe(sim.brokerUrl(1));
    expect(res.members[3]?.partitions).toBe(0);
  });

  it("POST /admin/cluster/join: 404 for an id that never registered", async () => {
    const res = await call(sim.brokerUrl(1), "POST", "/admin/cluster/join", { broker_id: 7 });
    expect([res.status, ApiErrorBody.parse(res.body).error]).toEqual([404, "not_found"]);
  });

  it("POST /admin/cluster/join: 400 invalid_request for a malformed body", async () => {
    const res = await call(sim.brokerUrl(1), "POST", "/admin/cluster/join", { broker_id: "four" });
    expect([res.status, ApiErrorBody.parse(res.body).error]).toEqual([400, "invalid_request"]);
  });

  it("join written to a learner is forwarded to the leader: 200 with the member, a voter; again 200", async () => {
    const res = await call(sim.brokerUrl(4), "POST", "/admin/cluster/join", { broker_id: 4 });
    expect(res.status).toBe(200);
    expect(Member.parse(res.body)).toMatchObject({ broker_id: 4, state: "active", raft_role: "follower" });
    const again = await call(sim.brokerUrl(2), "POST", "/admin/cluster/join", { broker_id: 4 });
    expect([again.status, obj(again)["state"]]).toEqual([200, "active"]);
    const raft = RaftStatus.parse(obj(await call(sim.brokerUrl(1), "GET", "/admin/raft/status")));
    expect([raft.voters, raft.learners]).toEqual([[1, 2, 3, 4], []]);
  });

  it("GET /admin/brokers/{id}/partitions: count and roles; 404 for a non-member", async () => {
    const res = BrokerPartitionsResponse.parse(
      obj(await call(sim.brokerUrl(2), "GET", "/admin/brokers/1/partitions")),
    );
    expect(res.count).toBe(18);
    expect(res.partitions.some((p) => p.role === "leader")).toBe(true);
    const missing = await call(sim.brokerUrl(2), "GET", "/admin/brokers/42/partitions");
    expect(missing.status).toBe(404);
  });

  it("POST /admin/brokers/{id}/drain: 202 draining; join then answers 409 conflict; DELETE stops it", async () => {
    const res = await call(sim.brokerUrl(2), "POST", "/admin/brokers/1/drain");
    expect(res.status).toBe(202);
    expect(DrainResponse.parse(res.body)).toEqual({
      broker_id: 1,
      state: "draining",
      partitions_remaining: 18,
    });
    const again = await call(sim.brokerUrl(3), "POST", "/admin/brokers/1/drain");
    expect([again.status, obj(again)["state"]]).toEqual([202, "draining"]);
    const join = await call(sim.brokerUrl(1), "POST", "/admin/cluster/join", { broker_id: 1 });
    expect([join.status, ApiErrorBody.parse(join.body).error]).toEqual([409, "conflict"]);
    const ready = await call(sim.brokerUrl(1), "GET", "/health/ready");
    expect(ready.body).toEqual({ status: "not_ready", reason: "draining" });
    const stop = await call(sim.brokerUrl(1), "DELETE", "/admin/brokers/1/drain");
    expect([stop.status, DrainResponse.parse(stop.body).state]).toEqual([200, "active"]);
    expect((await call(sim.brokerUrl(1), "DELETE", "/admin/brokers/1/drain")).status).toBe(200);
  });

  it("POST /admin/brokers/{id}/drain: 404 for a non-member", async () => {
    expect((await call(sim.brokerUrl(1), "POST", "/admin/brokers/42/drain")).status).toBe(404);
  });

  it("POST /admin/cluster/leave: 409 unsafe not_drained with the partitions held; 200 for an unknown id", async () => {
    const res = await call(sim.brokerUrl(3), "POST", "/admin/cluster/leave", { broker_id: 2 });
    expect(res.status).toBe(409);
    const body = ApiErrorBody.parse(res.body);
    expect([body.error, body.reason]).toEqual(["unsafe", "not_drained"]);
    expect(body.partitions).toBeGreaterThan(0);
    const gone = await call(sim.brokerUrl(3), "POST", "/admin/cluster/leave", { broker_id: 99 });
    expect([gone.status, LeaveResponse.parse(gone.body)]).toEqual([200, { broker_id: 99, state: "left" }]);
  });
});

describe("refusals: drain below the replication factor, leave below quorum and 3 voters", () => {
  let sim: SimCluster;
  beforeAll(async () => {
    // Topics of replication factor 3 on three brokers, and no data on a fourth voter.
    sim = await startFormed({ brokers: 3, topics: [{ name: "t", partitions: 3, replicationFactor: 3 }] });
  });
  afterAll(() => sim.stop());

  it("drain: 409 unsafe replication when the other active members are fewer than the largest RF", async () => {
    const res = await call(sim.brokerUrl(1), "POST", "/admin/brokers/3/drain");
    const body = ApiErrorBody.parse(res.body);
    expect([res.status, body.error, body.reason]).toEqual([409, "unsafe", "replication"]);
  });

  it("leave: 409 unsafe min_voters below 3 voters unless forced, and quorum when live voters would not be a majority", async () => {
    await call(sim.brokerUrl(1), "DELETE", "/admin/topics/t");
    const minVoters = await call(sim.brokerUrl(1), "POST", "/admin/cluster/leave", { broker_id: 3 });
    expect([minVoters.status, obj(minVoters)["error"], obj(minVoters)["reason"]]).toEqual([
      409,
      "unsafe",
      "min_voters",
    ]);
    await call(sim.controlUrl, "POST", "/sim/brokers/2/stop");
    await waitFor("broker 2 to be seen down", async () => {
      const res = await call(sim.brokerUrl(1), "POST", "/admin/cluster/leave", { broker_id: 3 });
      return obj(res)["reason"] === "quorum";
    });
    // No heartbeat for offlineAfterMs (the contract's 10 s, 2 s here): the member is offline.
    await waitFor("broker 2 to show offline", async () => {
      const m = MembersResponse.parse(obj(await call(sim.brokerUrl(1), "GET", "/admin/cluster/members")));
      return m.members.find((b) => b.broker_id === 2)?.state === "offline";
    });
    await call(sim.controlUrl, "POST", "/sim/brokers/2/start");
    await waitFor(
      "broker 2 back",
      async () => (await call(sim.brokerUrl(2), "GET", "/health")).status === 200,
    );
    const forced = await call(sim.brokerUrl(2), "POST", "/admin/cluster/leave", {
      broker_id: 3,
      force: true,
    });
    expect([forced.status, forced.body]).toEqual([200, { broker_id: 3, state: "left" }]);
    const members = MembersResponse.parse(obj(await call(sim.brokerUrl(1), "GET", "/admin/cluster/members")));
    expect(members.members.map((m) => m.broker_id)).toEqual([1, 2]);
  });
});

describe("no quorum: writes 503 no_quorum, reads stale", () => {
  let sim: SimCluster;
  beforeAll(async () => {
    sim = await startFormed({ brokers: 3 });
  });
  afterAll(() => sim.stop());

  it("a follower forwards writes to the leader while there is one", async () => {
    const res = await call(sim.brokerUrl(3), "PUT", "/admin/topics/fwd", {
      partitions: 2,
      replication_factor: 3,
    });
    expect(res.status).toBe(200);
    const topics = obj(await call(sim.brokerUrl(1), "GET", "/admin/topics"))["topics"] as { name: string }[];
    expect(topics.map((t) => t.name)).toContain("fwd");
  });

  it("with two of three voters down, the last one answers writes 503 no_quorum and reads with stale: true", async () => {
    await call(sim.controlUrl, "POST", "/sim/brokers/2/stop");
    await call(sim.controlUrl, "POST", "/sim/brokers/3/stop");
    const write = await waitFor("the leader to lose its quorum", async () => {
      const res = await call(sim.brokerUrl(1), "PUT", "/admin/topics/nq", {
        partitions: 1,
        replication_factor: 1,
      });
      return res.status === 503 ? res : undefined;
    });
    expect(ApiErrorBody.parse(write.body).error).toBe("no_quorum");
    const read = MembersResponse.parse(obj(await call(sim.brokerUrl(1), "GET", "/admin/cluster/members")));
    expect(read.stale).toBe(true);
    expect(obj(await call(sim.brokerUrl(1), "GET", "/admin/partitions"))["stale"]).toBe(true);
    // Partitions led by the stopped brokers have no leader; the others are short of replicas.
    const health = PartitionsHealthResponse.parse(
      obj(await call(sim.brokerUrl(1), "GET", "/admin/partitions/health")),
    );
    const parts = PartitionsResponse.parse(obj(await call(sim.brokerUrl(1), "GET", "/admin/partitions")));
    const touched = parts.partitions.filter((p) => p.replicas.some((b) => b !== 1)).length;
    expect(health.unhealthy).toHaveLength(touched);
    expect(new Set(health.unhealthy.map((u) => u.reason))).toEqual(
      new Set(["no_leader", "under_replicated"]),
    );
    // The old leader says it leads until its check-quorum notices; then it is not ready.
    const ready = await waitFor("the old leader to notice", async () => {
      const res = await call(sim.brokerUrl(1), "GET", "/health/ready");
      return obj(res)["reason"] === "no_quorum" ? res : undefined;
    });
    expect(ready.status).toBe(503);
  });

  it("every JSON-object read under /admin says stale: true, and the contract's schemas keep the flag", async () => {
    const url = sim.brokerUrl(1);
    const get = async (path: string) => obj(await call(url, "GET", path));
    const { task_id } = TaskAccepted.parse(obj(await call(url, "POST", "/admin/storage/compact")));
    const reads = {
      "/admin/cluster/members": MembersResponse,
      "/admin/partitions": PartitionsResponse,
      "/admin/partitions/health": PartitionsHealthResponse,
      "/admin/partitions/rebalance-status": RebalanceStatus,
      "/admin/brokers/1/partitions": BrokerPartitionsResponse,
      "/admin/topics": TopicsResponse,
      "/admin/config": ClusterConfig,
      "/admin/quotas": Quotas,
      "/admin/raft/status": RaftStatus,
      "/admin/metadata/export": MetadataExport,
      [`/admin/tasks/${task_id}`]: Task,
    };
    const flags = await Promise.all(
      Object.entries(reads).map(async ([path, schema]) => [path, schema.parse(await get(path)).stale]),
    );
    expect(Object.fromEntries(flags)).toEqual(
      Object.fromEntries(Object.keys(reads).map((path) => [path, true])),
    );
    // A JSON array cannot carry the flag (docs/emulator.md, "Where it differs").
    expect(await get("/admin/slow-queries")).toBeInstanceOf(Array);
  });

  it("once the voters are back, a leader is elected and writes succeed again", async () => {
    await call(sim.controlUrl, "POST", "/sim/brokers/2/start");
    await call(sim.controlUrl, "POST", "/sim/brokers/3/start");
    const ok = await waitFor("writes to succeed again", async () => {
      const res = await call(sim.brokerUrl(1), "PUT", "/admin/topics/nq", {
        partitions: 1,
        replication_factor: 1,
      });
      return res.status === 200 ? res : undefined;
    });
    expect(obj(ok)["name"]).toBe("nq");
    // A config read while stale and put back whole does not store the flag.
    const config = ClusterConfig.parse(obj(await call(sim.brokerUrl(1), "GET", "/admin/config")));
    expect(config.stale).toBeUndefined();
    const put = await call(sim.brokerUrl(1), "PUT", "/admin/config", { ...config, stale: true });
    expect([put.status, obj(put)["stale"]]).toEqual([200, undefined]);
    expect(obj(await call(sim.brokerUrl(2), "GET", "/admin/config"))["stale"]).toBeUndefined();
    const raft = RaftStatus.parse(obj(await call(sim.brokerUrl(2), "GET", "/admin/raft/status")));
    expect(raft.term).toBeGreaterThan(1);
    expect(raft.leader_id).not.toBeNull();
  });
});

describe("an election: writes answer 503 not_leader while a quorum elects its leader", () => {
  let sim: SimCluster;
  beforeAll(async () => {
    sim = await startFormed({ brokers: 3, electionDelayMs: 1_500 });
  });
  afterAll(() => sim.stop());

  it("not_leader during the election, 200 after it", async () => {
    await call(sim.controlUrl, "POST", "/sim/brokers/1/stop");
    const during = await waitFor("the election to start", async () => {
      const res = await call(sim.brokerUrl(2), "PUT", "/admin/topics/e", {
        partitions: 1,
        replication_factor: 2,
      });
      return res.status === 503 ? res : undefined;
    });
    expect(ApiErrorBody.parse(during.body).error).toBe("not_leader");
    expect(obj(await call(sim.brokerUrl(3), "GET", "/health"))["role"]).toBe("candidate");
    await waitFor("the new leader", async () => {
      const res = await call(sim.brokerUrl(2), "PUT", "/admin/topics/e", {
        partitions: 1,
        replication_factor: 2,
      });
      return res.status === 200;
    });
  });
});
