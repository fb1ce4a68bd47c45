import { Agent, request, type Dispatcher } from "undici";
import type { z } from "zod";
import { ApiErrorBody } from "../contract";
import {
  AbortedError,
  AdminApiError,
  CertificateError,
  ConnectionError,
  ContractError,
  HttpError,
  isCertificateCode,
  SchemaError,
  TimeoutError,
  type RequestInfo,
} from "./errors";
import {
  normalizeClientOptions,
  type CallTimeouts,
  type ClientOptions,
  type NormalizedClientOptions,
} from "./options";
import { backoffDelay, isRetryable, sleep, type Idempotency } from "./retry";
import { parseBaseUrl } from "./url";

export { parseBaseUrl } from "./url";

/** One call to the admin API, as the endpoint methods describe it. */
export interface CallSpec<S extends z.ZodType | undefined> {
  /** HTTP method. */
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** Path with its query, e.g. `/admin/storage/compact?aggressive=true`. */
  path: string;
  /** JSON body, if any. */
  body?: unknown;
  /** Schema of the answer; undefined for a text answer (`/metrics`). */
  schema: S;
  /** Which timeout applies. */
  kind: keyof CallTimeouts;
  /** How safe the call is to send again. */
  idempotency: Idempotency;
  /** Non-2xx statuses that are answers, not errors (`/health` answers `503 unhealthy`). */
  acceptStatuses?: readonly number[];
}

/** Per-call options a caller may pass to any endpoint method. */
export interface CallOptions {
  /** Aborts the call (and its retries). */
  signal?: AbortSignal;
  /** Overrides the timeout of this one call, in milliseconds. */
  timeoutMs?: number;
  /** Overrides the number of retries of this one call. */
  retries?: number;
}

/** An answer: its status and its parsed body. */
export interface Answer<T> {
  /** The HTTP status. */
  status: number;
  /** The body, checked against the call's schema. */
  data: T;
}

/** Codes of connection failures where the request never left this machine. */
const NOT_SENT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EADDRNOTAVAIL",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_CLOSED",
  "UND_ERR_DESTROYED",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "ERR_SSL_WRONG_VERSION_NUMBER",
]);

/** What sends calls for a `BrokerClient`: one broker (`AdminHttp`) or several with failover. */
export interface Transport {
  /** The base URL calls go to (for failover: the one preferred now). */
  readonly baseUrl: string;
  /** Sends a call, retrying as its idempotency allows, and returns the checked answer. */
  call<S extends z.ZodType | undefined>(
    spec: CallSpec<S>,
    opts?: CallOptions,
  ): Promise<Answer<S extends z.ZodType ? z.infer<S> : string>>;
  /** Releases the connections the transport owns. */
  close(): Promise<void>;
}

/**
 * The transport of the admin API client: one base URL, the token, the timeouts, the
 * retries and the parsing of answers. Endpoint methods live in `BrokerClient`.
 */
export class AdminHttp implements Transport {
  /** The broker's base URL, without a trailing slash. */
  readonly baseUrl: string;
  /** The normalized options. */
  readonly options: NormalizedClientOptions;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;

  constructor(baseUrl: string, options: ClientOptions | NormalizedClientOptions = {}) {
    this.baseUrl = parseBaseUrl(baseUrl);
    this.options = "timeouts" in options && isNormalized(options) ? options : normalizeClientOptions(options);
    this.ownsDispatcher = this.options.dispatcher === undefined;
    this.dispatcher =
      this.options.dispatcher ??
      new Agent({ connect: this.options.ca ? { ca: this.options.ca } : {}, keepAliveTimeout: 4_000 });
  }

  /** Sends a call, retrying as its idempotency allows, and returns the checked answer. */
  async call<S extends z.ZodType | undefined>(
    spec: CallSpec<S>,
    opts: CallOptions = {},
  ): Promise<Answer<S extends z.ZodType ? z.infer<S> : string>> {
    const retries = opts.retries ?? this.options.retry.retries;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once(spec, opts);
      } catch (error) {
        if (attempt >= retries || !isRetryable(error, spec.idempotency) || opts.signal?.aborted) throw error;
        const delay = backoffDelay(attempt, this.options.retry, this.options.random);
        this.options.log(
          `retrying ${spec.method} ${this.baseUrl}${spec.path} in ${delay} ms: ${(error as Error).message}`,
        );
        await sleep(delay, opts.signal).catch((reason: unknown) => {
          throw new AbortedError(this.info(spec), { cause: reason });
        });
      }
    }
  }

  /** Closes the dispatcher if this client created it. */
  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  private info(spec: Pick<CallSpec<undefined>, "method" | "path">): RequestInfo {
    return { method: spec.method, url: `${this.baseUrl}${spec.path}` };
  }

  private async once<S extends z.ZodType | undefined>(
    spec: CallSpec<S>,
    opts: CallOptions,
  ): Promise<Answer<S extends z.ZodType ? z.infer<S> : string>> {
    const info = this.info(spec);
    const timeoutMs = opts.timeoutMs ?? this.options.timeouts[spec.kind];
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
    const headers: Record<string, string> = { accept: spec.schema ? "application/json" : "text/plain" };
    if (this.options.token !== undefined) headers.authorization = `Bearer ${this.options.token}`;
    if (spec.body !== undefined) headers["content-type"] = "application/json";

    let status: number;
    let text: string;
    try {
      const res = await request(info.url, {
        dispatcher: this.dispatcher,
        method: spec.method,
        headers,
        body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
        signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      status = res.statusCode;
      text = await res.body.text();
    } catch (error) {
      if (opts.signal?.aborted) throw new AbortedError(info, { cause: opts.signal.reason });
      if (timeout.aborted || isTimeoutCode(errorCode(error)))
        throw new TimeoutError(info, timeoutMs, { cause: error });
      if (error instanceof AdminApiError) throw error;
      const code = errorCode(error);
      if (isCertificateCode(code))
        throw new CertificateError(info, code!, this.options.tlsHint, { cause: error });
      throw new ConnectionError(info, code, !NOT_SENT_CODES.has(code ?? ""), { cause: error });
    }

    const accepted = (status >= 200 && status < 300) || (spec.acceptStatuses ?? []).includes(status);
    if (!accepted) throw toHttpError(info, status, text);
    if (spec.schema === undefined) return { status, data: text as never };
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new SchemaError(info, status, [`body is not JSON: ${text.slice(0, 80)}`], { cause: error });
    }
    const parsed = spec.schema.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`);
      throw new SchemaError(info, status, issues, { cause: parsed.error });
    }
    return { status, data: parsed.data as never };
  }
}

function toHttpError(info: RequestInfo, status: number, text: string): HttpError {
  try {
    const body = ApiErrorBody.safeParse(JSON.parse(text));
    if (body.success)
      return new ContractError(info, status, body.data as Record<string, unknown> & typeof body.data);
  } catch {
    // Not JSON: a proxy or a crashed broker answered; keep the text.
  }
  return new HttpError(info, status, text);
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const e = error as { code?: unknown; errors?: unknown[]; cause?: unknown };
  if (typeof e.code === "string") return e.code;
  // Node's happy-eyeballs connect gives an AggregateError whose parts hold the codes.
  if (Array.isArray(e.errors) && e.errors.length > 0) return errorCode(e.errors[0]);
  return e.cause === undefined ? undefined : errorCode(e.cause);
}

function isTimeoutCode(code: string | undefined): boolean {
  return code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT";
}

function isNormalized(options: ClientOptions | NormalizedClientOptions): options is NormalizedClientOptions {
  const t = (options as NormalizedClientOptions).timeouts;
  return (
    t !== undefined &&
    typeof (options as NormalizedClientOptions).log === "function" &&
    "bulk" in t &&
    "retry" in options
  );
}
