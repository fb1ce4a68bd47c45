import {
  JoinRequest,
  LeaveRequest,
  RebalanceRequest,
  type BrokerPartitionsResponse,
  type MembersResponse,
  type PartitionsHealthResponse,
  type UnhealthyPartition,
} from "../../procedures/contract";
import type { Cluster } from "../cluster";
import { startDrain, stopDrain } from "../drains";
import { notFound } from "../errors";
import { join, leave, memberView, replicaCounts } from "../membership";
import { partitionHealth, partitionView } from "../replication";
import { idParam, json, parseBody, type Router } from "./router";

/** `{"stale": true}` on reads answered by a broker that sees no leader. */
export function staleMark(c: Cluster, id: number): { stale?: true } {
  return c.stale(id) ? { stale: true } : {};
}

/** Membership, partitions, rebalance and drain calls. */
export function addMembershipRoutes(router: Router, c: Cluster): void {
  router
    .on("GET", "/admin/cluster/members", "members", ({ brokerId }) => {
      const view = c.raft.view(brokerId);
      const fresh = !c.stale(brokerId);
      const counts = replicaCounts(c);
      const body: MembersResponse = {
        cluster_id: c.meta.clusterId,
        // A broker cut off answers from its own view: an old leader still names itself, with its old term.
        leader_id: fresh ? c.raft.leaderId : view.leaderId,
        term: fresh ? c.raft.term : view.term,
        members: [...c.meta.members.values()]
          .sort((a, b) => a.id - b.id)
          .map((m) => memberView(c, m, counts)),
        ...staleMark(c, brokerId),
      };
      return json(200, body);
    })
    .on("POST", "/admin/cluster/join", "join", ({ brokerId, body }) => {
      const req = parseBody(JoinRequest, body);
      return json(200, join(c, req.broker_id, brokerId));
    })
    .on("POST", "/admin/cluster/leave", "leave", ({ brokerId, body }) => {
      const req = parseBody(LeaveRequest, body);
      return json(200, leave(c, req.broker_id, req.force === true, brokerId));
    })
    .on("GET", "/admin/partitions", "partitions", ({ brokerId }) =>
      json(200, {
        partitions: [...c.meta.partitions.values()].map(partitionView),
        ...staleMark(c, brokerId),
      }),
    )
    .on("GET", "/admin/partitions/health", "partitions_health", ({ brokerId }) => {
      const unhealthy: UnhealthyPartition[] = [];
      for (const p of c.meta.partitions.values()) {
        const reason = partitionHealth(c, p);
        if (reason)
          unhealthy.push({
            topic: p.topic,
            partition: p.partition,
            reason,
            isr: p.isr,
            replicas: p.replicas,
          });
      }
      const total = c.meta.partitions.size;
      const body: PartitionsHealthResponse = {
        total,
        healthy: total - unhealthy.length,
        unhealthy,
        ...staleMark(c, brokerId),
      };
      return json(200, body);
    })
    .on("POST", "/admin/partitions/rebalance", "rebalance", ({ brokerId, body }) => {
      const r = c.moves.rebalance(parseBody(RebalanceRequest, body), brokerId);
      return json(r.status, r.body);
    })
    .on("GET", "/admin/partitions/rebalance-status", "rebalance_status", ({ brokerId }) =>
      json(200, { ...c.moves.status(), ...staleMark(c, brokerId) }),
    )
    .on("DELETE", "/admin/partitions/rebalance", "rebalance_cancel", ({ brokerId }) =>
      json(200, c.moves.cancel(brokerId)),
    )
    .on("POST", "/admin/brokers/:id/drain", "drain", (ctx) => {
      const r = startDrain(c, c.moves, idParam(ctx), ctx.brokerId);
      return json(r.status, r.body);
    })
    .on("DELETE", "/admin/brokers/:id/drain", "drain_stop", (ctx) =>
      json(200, stopDrain(c, c.moves, idParam(ctx), ctx.brokerId)),
    )
    .on("GET", "/admin/brokers/:id/partitions", "broker_partitions", (ctx) => {
      const id = idParam(ctx);
      if (!c.meta.members.has(id)) throw notFound(`broker ${id} is not a member`, { broker_id: id });
      const partitions = [...c.meta.partitions.values()]
        .filter((p) => p.replicas.includes(id))
        .map((p) => ({
          topic: p.topic,
          partition: p.partition,
          role: p.leader === id ? "leader" : "follower",
        }));
      const body: BrokerPartitionsResponse = {
        broker_id: id,
        count: partitions.length,
        partitions: partitions as BrokerPartitionsResponse["partitions"],
        ...staleMark(c, ctx.brokerId),
      };
      return json(200, body);
    });
}
