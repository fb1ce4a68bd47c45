import {
  ClusterConfig,
  PutTopicRequest,
  QuotasRequest,
  ReadOnlyRequest,
  type MetadataExport,
  type RaftStatus,
} from "../../procedures/contract";
import type { Cluster } from "../cluster";
import { memberView, replicaCounts } from "../membership";
import { deleteTopic, postQuotas, putConfig, putTopic, topicView } from "../topics";
import { staleMark } from "./membership-routes";
import { json, parseBody, type Router } from "./router";

/** Topics, configuration, quotas, Raft, storage and maintenance calls. */
export function addConfigRoutes(router: Router, c: Cluster): void {
  router
    .on("GET", "/admin/topics", "topics", ({ brokerId }) =>
      json(200, {
        topics: [...c.meta.topics.values()].map((t) => topicView(c, t)),
        ...staleMark(c, brokerId),
      }),
    )
    .on("PUT", "/admin/topics/:name", "topic_put", ({ brokerId, params, body }) =>
      json(200, putTopic(c, params["name"] ?? "", parseBody(PutTopicRequest, body), brokerId)),
    )
    .on("DELETE", "/admin/topics/:name", "topic_delete", ({ brokerId, params }) =>
      json(200, deleteTopic(c, params["name"] ?? "", brokerId)),
    )
    .on("GET", "/admin/config", "config", ({ brokerId }) =>
      json(200, { ...c.meta.config, ...staleMark(c, brokerId) }),
    )
    // `stale` is part of what a read answers, not of the configuration: a body that echoes it is not stored.
    .on("PUT", "/admin/config", "config_put", ({ brokerId, body }) =>
      json(200, putConfig(c, parseBody(ClusterConfig.omit({ stale: true }), body), brokerId)),
    )
    .on("GET", "/admin/quotas", "quotas", ({ brokerId }) =>
      json(200, { ...c.meta.quotas, ...staleMark(c, brokerId) }),
    )
    .on("POST", "/admin/quotas", "quotas_post", ({ brokerId, body }) =>
      json(200, postQuotas(c, parseBody(QuotasRequest, body), brokerId)),
    )
    .on("GET", "/admin/raft/status", "raft_status", ({ brokerId }) => {
      const v = c.raft.view(brokerId);
      const members = [...c.meta.members.values()].sort((a, b) => a.id - b.id);
      const body: RaftStatus = {
        broker_id: brokerId,
        state: c.meta.members.get(brokerId)?.voter ? v.role : "learner",
        term: v.term,
        leader_id: v.leaderId,
        commit_index: v.commitIndex,
        applied_index: v.appliedIndex,
        voters: members.filter((m) => m.voter).map((m) => m.id),
        learners: members.filter((m) => !m.voter).map((m) => m.id),
        ...staleMark(c, brokerId),
      };
      return json(200, body);
    })
    .on("POST", "/admin/raft/snapshot", "raft_snapshot", ({ brokerId }) =>
      json(200, c.storage.snapshot(brokerId)),
    )
    .on("GET", "/admin/metadata/export", "metadata_export", ({ brokerId }) => {
      const counts = replicaCounts(c);
      const body: MetadataExport = {
        exported_at: new Date().toISOString(),
        cluster_id: c.meta.clusterId,
        members: [...c.meta.members.values()].map((m) => memberView(c, m, counts)),
        topics: [...c.meta.topics.values()].map((t) => topicView(c, t)),
        config: c.meta.config,
        quotas: c.meta.quotas,
        ...staleMark(c, brokerId),
      };
      return json(200, body);
    })
    .on("POST", "/admin/storage/compact", "storage_compact", ({ brokerId, query }) =>
      json(202, c.storage.start("compact", brokerId, query.get("aggressive") === "true")),
    )
    .on("POST", "/admin/storage/rebuild-index", "storage_reindex", ({ brokerId }) =>
      json(202, c.storage.start("reindex", brokerId)),
    )
    .on("GET", "/admin/tasks/:task_id", "task", ({ brokerId, params }) =>
      json(200, { ...c.storage.get(params["task_id"] ?? ""), ...staleMark(c, brokerId) }),
    )
    .on("POST", "/admin/readonly", "readonly", ({ brokerId, body }) =>
      json(200, c.storage.setReadOnly(parseBody(ReadOnlyRequest, body).enabled, brokerId)),
    )
    // A JSON array, as the contract has it: it cannot say `"stale": true` (docs/emulator.md).
    .on("GET", "/admin/slow-queries", "slow_queries", () => json(200, c.storage.slowQueries()));
}
