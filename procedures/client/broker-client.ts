import {
  BrokerPartitionsResponse,
  ClusterConfig,
  DeleteTopicResponse,
  DrainResponse,
  HealthResponse,
  JoinResponse,
  LeaveResponse,
  LiveResponse,
  MembersResponse,
  MetadataExport,
  PartitionsHealthResponse,
  PartitionsResponse,
  Quotas,
  RaftStatus,
  ReadOnlyResponse,
  ReadyResponse,
  RebalancePlan,
  RebalanceStarted,
  RebalanceStatus,
  SlowQueriesResponse,
  Snapshot,
  Task,
  TaskAccepted,
  Topic,
  TopicsResponse,
  type PutTopicRequest,
  type QuotasRequest,
  type RebalanceRequest,
} from "../contract";
import { AdminHttp, type CallOptions, type Transport } from "./http";
import type { ClientOptions, NormalizedClientOptions } from "./options";

/**
 * One broker's admin API: one method per endpoint of the contract, each answer checked
 * against the contract's schema. Reads and the contract's idempotent writes are retried on
 * transient failures; `rebalance`, `snapshot`, `compact` and `rebuildIndex` only when the
 * answer proves they were not applied (`503 no_quorum`/`not_leader`, connection refused).
 */
export class BrokerClient {
  /** The transport: one broker, or the cluster's brokers with failover. */
  readonly http: Transport;

  /** A client of the broker at `target` (a base URL), or over a transport such as the cluster's. */
  constructor(target: string | Transport, options: ClientOptions | NormalizedClientOptions = {}) {
    this.http = typeof target === "string" ? new AdminHttp(target, options) : target;
  }

  /** The broker's base URL. */
  get url(): string {
    return this.http.baseUrl;
  }

  /** `GET /health`: `healthy` (200) or `unhealthy` with a reason (503). */
  async health(opts?: CallOptions): Promise<HealthResponse> {
    return this.probe("/health", HealthResponse, opts);
  }

  /** `GET /health/live`. */
  async live(opts?: CallOptions): Promise<LiveResponse> {
    return this.probe("/health/live", LiveResponse, opts, []);
  }

  /** `GET /health/ready`: `ready` (200) or `not_ready` with a reason (503). */
  async ready(opts?: CallOptions): Promise<ReadyResponse> {
    return this.probe("/health/ready", ReadyResponse, opts);
  }

  /** `GET /metrics`: the Prometheus text (parse it with `parsePrometheusText`). */
  async metrics(opts?: CallOptions): Promise<string> {
    return (
      await this.http.call(
        { method: "GET", path: "/metrics", schema: undefined, kind: "read", idempotency: "read" },
        opts,
      )
    ).data;
  }

  /** `GET /admin/cluster/members`. */
  async members(opts?: CallOptions): Promise<MembersResponse> {
    return this.get("/admin/cluster/members", MembersResponse, opts);
  }

  /** `POST /admin/cluster/join`: makes a registered learner a voting, active member. */
  async join(brokerId: number, opts?: CallOptions): Promise<JoinResponse> {
    return this.write("POST", "/admin/cluster/join", { broker_id: brokerId }, JoinResponse, opts);
  }

  /** `POST /admin/cluster/leave`: removes a drained member for good; `force` overrides only `min_voters`. */
  async leave(brokerId: number, force = false, opts?: CallOptions): Promise<LeaveResponse> {
    const body = force ? { broker_id: brokerId, force: true } : { broker_id: brokerId };
    return this.write("POST", "/admin/cluster/leave", body, LeaveResponse, opts);
  }

  /** `GET /admin/partitions`. */
  async partitions(opts?: CallOptions): Promise<PartitionsResponse> {
    return this.get("/admin/partitions", PartitionsResponse, opts);
  }

  /** `GET /admin/partitions/health`. */
  async partitionsHealth(opts?: CallOptions): Promise<PartitionsHealthResponse> {
    return this.get("/admin/partitions/health", PartitionsHealthResponse, opts);
  }

  /** `POST /admin/partitions/rebalance` with `dry_run: true`: the plan; changes nothing. */
  async rebalancePlan(
    body: Omit<RebalanceRequest, "dry_run"> = {},
    opts?: CallOptions,
  ): Promise<RebalancePlan> {
    return this.write("POST", "/admin/partitions/rebalance", { ...body, dry_run: true }, RebalancePlan, opts);
  }

  /**
   * `POST /admin/partitions/rebalance`: starts one (`running`) or says the cluster is
   * balanced (`completed`, no moves). Not repeated after an ambiguous failure: a second
   * call would answer `409 conflict` or plan anew.
   */
  async rebalance(
    body: Omit<RebalanceRequest, "dry_run"> = {},
    opts?: CallOptions,
  ): Promise<RebalanceStarted> {
    const spec = {
      method: "POST",
      path: "/admin/partitions/rebalance",
      body: { ...body, dry_run: false },
    } as const;
    return (
      await this.http.call({ ...spec, schema: RebalanceStarted, kind: "write", idempotency: "once" }, opts)
    ).data;
  }

  /** `GET /admin/partitions/rebalance-status`. */
  async rebalanceStatus(opts?: CallOptions): Promise<RebalanceStatus> {
    return this.get("/admin/partitions/rebalance-status", RebalanceStatus, opts);
  }

  /** `DELETE /admin/partitions/rebalance`: cancels the running one; moves done stay done. */
  async cancelRebalance(opts?: CallOptions): Promise<RebalanceStatus> {
    return this.write("DELETE", "/admin/partitions/rebalance", undefined, RebalanceStatus, opts);
  }

  /** `POST /admin/brokers/{id}/drain`: starts moving every replica off the broker. */
  async drain(brokerId: number, opts?: CallOptions): Promise<DrainResponse> {
    return this.write("POST", `/admin/brokers/${id(brokerId)}/drain`, undefined, DrainResponse, opts);
  }

  /** `DELETE /admin/brokers/{id}/drain`: stops a drain; the broker is `active` again. */
  async stopDrain(brokerId: number, opts?: CallOptions): Promise<DrainResponse> {
    return this.write("DELETE", `/admin/brokers/${id(brokerId)}/drain`, undefined, DrainResponse, opts);
  }

  /** `GET /admin/brokers/{id}/partitions`. */
  async brokerPartitions(brokerId: number, opts?: CallOptions): Promise<BrokerPartitionsResponse> {
    return this.get(`/admin/brokers/${id(brokerId)}/partitions`, BrokerPartitionsResponse, opts);
  }

  /** `GET /admin/topics`. */
  async topics(opts?: CallOptions): Promise<TopicsResponse> {
    return this.get("/admin/topics", TopicsResponse, opts);
  }

  /** `PUT /admin/topics/{name}`: creates or updates a topic. */
  async putTopic(name: string, body: PutTopicRequest, opts?: CallOptions): Promise<Topic> {
    return this.write("PUT", `/admin/topics/${encodeURIComponent(name)}`, body, Topic, opts);
  }

  /** `DELETE /admin/topics/{name}` (unknown: 200). */
  async deleteTopic(name: string, opts?: CallOptions): Promise<DeleteTopicResponse> {
    return this.write(
      "DELETE",
      `/admin/topics/${encodeURIComponent(name)}`,
      undefined,
      DeleteTopicResponse,
      opts,
    );
  }

  /** `GET /admin/config`. */
  async config(opts?: CallOptions): Promise<ClusterConfig> {
    return this.get("/admin/config", ClusterConfig, opts);
  }

  /** `PUT /admin/config`: the whole configuration; answers what is now in force. */
  async putConfig(body: ClusterConfig, opts?: CallOptions): Promise<ClusterConfig> {
    return this.write("PUT", "/admin/config", body, ClusterConfig, opts);
  }

  /** `GET /admin/quotas`. */
  async quotas(opts?: CallOptions): Promise<Quotas> {
    return this.get("/admin/quotas", Quotas, opts);
  }

  /** `POST /admin/quotas`: replaces every quota. */
  async setQuotas(body: QuotasRequest, opts?: CallOptions): Promise<Quotas> {
    return this.write("POST", "/admin/quotas", body, Quotas, opts);
  }

  /** `GET /admin/raft/status`: this broker's own view of Raft. */
  async raftStatus(opts?: CallOptions): Promise<RaftStatus> {
    return this.get("/admin/raft/status", RaftStatus, opts);
  }

  /** `POST /admin/raft/snapshot` on this broker. Sent again only when proven not applied. */
  async snapshot(opts?: CallOptions): Promise<Snapshot> {
    const spec = {
      method: "POST",
      path: "/admin/raft/snapshot",
      schema: Snapshot,
      kind: "bulk",
      idempotency: "once",
    } as const;
    return (await this.http.call(spec, opts)).data;
  }

  /** `GET /admin/metadata/export`. */
  async exportMetadata(opts?: CallOptions): Promise<MetadataExport> {
    const spec = {
      method: "GET",
      path: "/admin/metadata/export",
      schema: MetadataExport,
      kind: "bulk",
      idempotency: "read",
    } as const;
    return (await this.http.call(spec, opts)).data;
  }

  /** `POST /admin/storage/compact` (`aggressive` adds `?aggressive=true`): starts a task. */
  async compact(aggressive = false, opts?: CallOptions): Promise<TaskAccepted> {
    const path = aggressive ? "/admin/storage/compact?aggressive=true" : "/admin/storage/compact";
    return (
      await this.http.call(
        { method: "POST", path, schema: TaskAccepted, kind: "write", idempotency: "once" },
        opts,
      )
    ).data;
  }

  /** `POST /admin/storage/rebuild-index`: starts a task. */
  async rebuildIndex(opts?: CallOptions): Promise<TaskAccepted> {
    const spec = {
      method: "POST",
      path: "/admin/storage/rebuild-index",
      schema: TaskAccepted,
      kind: "write",
      idempotency: "once",
    } as const;
    return (await this.http.call(spec, opts)).data;
  }

  /** `GET /admin/tasks/{task_id}`. */
  async task(taskId: string, opts?: CallOptions): Promise<Task> {
    return this.get(`/admin/tasks/${encodeURIComponent(taskId)}`, Task, opts);
  }

  /** `POST /admin/readonly`: `{"enabled": …}`. */
  async setReadOnly(enabled: boolean, opts?: CallOptions): Promise<ReadOnlyResponse> {
    return this.write("POST", "/admin/readonly", { enabled }, ReadOnlyResponse, opts);
  }

  /** `GET /admin/slow-queries`: slowest first, at most 100. */
  async slowQueries(opts?: CallOptions): Promise<SlowQueriesResponse> {
    return this.get("/admin/slow-queries", SlowQueriesResponse, opts);
  }

  /** `GET /debug/pprof/{profile}` (e.g. `heap`, `goroutine?debug=2`): the raw answer as text. */
  async pprof(profile: string, opts?: CallOptions): Promise<string> {
    const path = `/debug/pprof/${profile.replace(/^\/+/, "")}`;
    return (
      await this.http.call(
        { method: "GET", path, schema: undefined, kind: "bulk", idempotency: "read" },
        opts,
      )
    ).data;
  }

  /** Closes the connections if this client owns its dispatcher. */
  close(): Promise<void> {
    return this.http.close();
  }

  /** A `/health*` call, with health timeouts; a `503` from `/health` or `/health/ready` is an answer (its body says why). */
  private async probe<T>(
    path: string,
    schema: import("zod").ZodType<T>,
    opts?: CallOptions,
    acceptStatuses: readonly number[] = [503],
  ): Promise<T> {
    const spec = { method: "GET", path, schema, kind: "health", idempotency: "read" } as const;
    return (await this.http.call({ ...spec, acceptStatuses }, opts)).data as T;
  }

  private async get<T>(path: string, schema: import("zod").ZodType<T>, opts?: CallOptions): Promise<T> {
    return (await this.http.call({ method: "GET", path, schema, kind: "read", idempotency: "read" }, opts))
      .data as T;
  }

  private async write<T>(
    method: "POST" | "PUT" | "DELETE",
    path: string,
    body: unknown,
    schema: import("zod").ZodType<T>,
    opts?: CallOptions,
  ): Promise<T> {
    return (
      await this.http.call({ method, path, body, schema, kind: "write", idempotency: "idempotent" }, opts)
    ).data as T;
  }
}

function id(brokerId: number): string {
  if (!Number.isInteger(brokerId) || brokerId <= 0)
    throw new RangeError(`broker id must be a positive integer: got ${brokerId}`);
  return String(brokerId);
}
