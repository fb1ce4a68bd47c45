import { Agent } from "undici";
import type { z } from "zod";
import type { Member, MembersResponse } from "../contract";
import { BrokerClient } from "./broker-client";
import {
  AdminApiError,
  CertificateError,
  ConnectionError,
  HttpError,
  SchemaError,
  TimeoutError,
} from "./errors";
import {
  AdminHttp,
  parseBaseUrl,
  type Answer,
  type CallOptions,
  type CallSpec,
  type Transport,
} from "./http";
import { normalizeClientOptions, type ClientOptions, type NormalizedClientOptions } from "./options";
import { failureReason } from "./classify";
import { backoffDelay, isRetryable, sleep } from "./retry";

/** No broker of the cluster answered: every URL tried is named with why it failed. */
export class ClusterUnreachableError extends AdminApiError {
  /** Each URL tried, with its last error. */
  readonly failures: ReadonlyArray<{ url: string; error: string }>;

  constructor(info: { method: string; url: string }, failures: Array<{ url: string; error: string }>) {
    super(
      `${info.method} ${info.url.replace(/^[a-z]+:\/\/[^/]+/, "")}: no broker answered (` +
        failures.map((f) => `${f.url}: ${f.error}`).join("; ") +
        ")",
      info,
    );
    this.failures = failures;
  }
}

/** The members call failed because the URL is no broker (see `NotABrokerError`), or undefined. */
function notABroker(error: unknown): NotABrokerError | undefined {
  const path = "/admin/cluster/members";
  if (!(error instanceof HttpError || error instanceof SchemaError) || !error.url.endsWith(path))
    return undefined;
  const notJson = error instanceof SchemaError && error.issues[0]?.startsWith("body is not JSON");
  if (!notJson && !(error instanceof HttpError && error.status === 404)) return undefined;
  return new NotABrokerError(error.url.slice(0, -path.length), error);
}

/**
 * A URL given as a broker's does not serve the admin API: `GET /admin/cluster/members`, which
 * every broker answers, was not found there (a wrong port, such as the emulator's control port,
 * or a wrong path), or answered with something that is not JSON.
 */
export class NotABrokerError extends AdminApiError {
  /** The base URL that is not a broker's. */
  readonly baseUrl: string;

  constructor(baseUrl: string, cause: HttpError | SchemaError) {
    super(
      `${baseUrl} is not a StreamBus broker's admin URL: ${cause.method} ${cause.url} answered ${cause.status}` +
        (cause instanceof SchemaError ? " with a body that is not JSON" : ""),
      { method: cause.method, url: cause.url },
      { cause },
    );
    this.baseUrl = baseUrl;
  }
}

/** A broker id that is not a member of the cluster. */
export class UnknownBrokerError extends Error {
  /** The id asked for. */
  readonly brokerId: number;

  constructor(brokerId: number, known: readonly number[]) {
    super(`broker ${brokerId} is not a member of the cluster (members: ${known.join(", ") || "none"})`);
    this.name = "UnknownBrokerError";
    this.brokerId = brokerId;
  }
}

/**
 * Sends cluster-wide calls to whichever broker answers: the contract lets any broker answer
 * any `/admin/*` call. A broker that fails a call in a way worth another attempt (unreachable,
 * timed out, a 5xx answer, `503 no_quorum`) is skipped at once for the next one, so one bad
 * broker costs one failed call, not a round of backoff; backoff applies only once every broker
 * has failed the call.
 */
class FailoverTransport implements Transport {
  private preferred = 0;

  constructor(
    private readonly pool: () => AdminHttp[],
    private readonly options: NormalizedClientOptions,
  ) {}

  get baseUrl(): string {
    const pool = this.pool();
    return (pool[this.preferred % pool.length] ?? pool[0])!.baseUrl;
  }

  async call<S extends z.ZodType | undefined>(
    spec: CallSpec<S>,
    opts: CallOptions = {},
  ): Promise<Answer<S extends z.ZodType ? z.infer<S> : string>> {
    const retries = opts.retries ?? this.options.retry.retries;
    let attempt = 0;
    let failures = new Map<string, string>();
    let refusedCertificates: CertificateError[] = [];
    // The last broker that answered (with a 5xx): its error says more than "no broker answered".
    let answered: unknown;
    for (;;) {
      const pool = this.pool();
      const http = pool[this.preferred % pool.length]!;
      try {
        return await http.call(spec, { ...opts, retries: 0 });
      } catch (error) {
        // A refused certificate is permanent for that broker, but another broker may hold a good one.
        const refused = error instanceof CertificateError;
        if (opts.signal?.aborted || (!refused && !isRetryable(error, spec.idempotency))) throw error;
        const unreachable = error instanceof ConnectionError || error instanceof TimeoutError;
        if (!unreachable) answered = error;
        if (refused) refusedCertificates.push(error);
        failures.set(http.baseUrl, failureReason(error));
        this.preferred = (this.preferred + 1) % pool.length;
        if (failures.size < pool.length) continue;
        // Every broker's certificate was refused: the same CA would be refused again; say why once.
        if (refusedCertificates.length === failures.size) throw refusedCertificates[0]!;
        if (attempt >= retries) {
          if (answered !== undefined) throw answered;
          const list = [...failures].map(([url, e]) => ({ url, error: e }));
          throw new ClusterUnreachableError(
            { method: spec.method, url: `${http.baseUrl}${spec.path}` },
            list,
          );
        }
        const delay = backoffDelay(attempt++, this.options.retry, this.options.random);
        this.options.log(`retrying ${spec.method} ${spec.path} in ${delay} ms: ${(error as Error).message}`);
        await sleep(delay, opts.signal).catch(() => {
          throw error;
        });
        failures = new Map();
        refusedCertificates = [];
        answered = undefined;
      }
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * A handle on a StreamBus cluster: one or more broker URLs to start from, the members found
 * through them, a client for cluster-wide calls that fails over between brokers (`admin`),
 * and a client per member (`broker(id)`) for what only that broker can answer: its health,
 * its metrics, its Raft view, its snapshot.
 */
export class Cluster {
  /** Cluster-wide admin calls, sent to any broker that answers. */
  readonly admin: BrokerClient;
  /** The normalized options shared by every client of this handle. */
  readonly options: NormalizedClientOptions;
  private readonly https = new Map<string, AdminHttp>();
  private readonly byId = new Map<number, string>();
  private readonly agent: Agent | undefined;
  private lastMembers: MembersResponse | undefined;

  /** A handle on the cluster reached through `urls`; no request is sent until a call. */
  constructor(urls: readonly string[], options: ClientOptions = {}) {
    if (urls.length === 0)
      throw new TypeError("at least one broker URL is needed (e.g. http://broker1:8080)");
    const seeds = urls.map(parseBaseUrl);
    const base = normalizeClientOptions(options);
    this.agent = base.dispatcher
      ? undefined
      : new Agent({ connect: base.ca ? { ca: base.ca } : {}, keepAliveTimeout: 4_000 });
    this.options = { ...base, dispatcher: base.dispatcher ?? this.agent };
    for (const url of seeds) this.httpFor(url);
    this.admin = new BrokerClient(new FailoverTransport(() => [...this.https.values()], this.options));
  }

  /** Opens a handle and finds the members; throws `ClusterUnreachableError` when no URL answers. */
  static async connect(
    urls: readonly string[],
    options: ClientOptions = {},
    call?: CallOptions,
  ): Promise<Cluster> {
    const cluster = new Cluster(urls, options);
    try {
      await cluster.refresh(call);
    } catch (error) {
      await cluster.close();
      throw error;
    }
    return cluster;
  }

  /** Asks for the members again and learns their admin URLs. */
  async refresh(opts?: CallOptions): Promise<MembersResponse> {
    const members = await this.admin.members(opts).catch((error: unknown) => {
      throw notABroker(error) ?? error;
    });
    for (const m of members.members) this.learn(m);
    this.lastMembers = members;
    return members;
  }

  /** The members as last seen (call `refresh` first). */
  get members(): readonly Member[] {
    return this.lastMembers?.members ?? [];
  }

  /** The ids of the members as last seen, ascending. */
  get brokerIds(): number[] {
    return this.members.map((m) => m.broker_id).sort((a, b) => a - b);
  }

  /** A client of one member's own admin API (no failover: its answers are about itself). */
  broker(brokerId: number): BrokerClient {
    const url = this.byId.get(brokerId);
    if (url === undefined) throw new UnknownBrokerError(brokerId, this.brokerIds);
    return new BrokerClient(this.httpFor(url));
  }

  /** Closes the connections this handle opened. */
  async close(): Promise<void> {
    await this.agent?.close();
  }

  private learn(member: Member): void {
    try {
      const url = parseBaseUrl(member.admin_url);
      this.byId.set(member.broker_id, url);
      this.httpFor(url);
    } catch {
      // A member whose admin_url is not a URL can still be managed through the others.
    }
  }

  private httpFor(url: string): AdminHttp {
    let http = this.https.get(url);
    if (!http) {
      http = new AdminHttp(url, this.options);
      this.https.set(url, http);
    }
    return http;
  }
}
