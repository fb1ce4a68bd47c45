/**
 * The admin API client's errors: one hierarchy, so a caller can `catch` the base and still
 * tell a refused guard from an unreachable broker. Every message names the method and the
 * URL; none ever holds the admin token (the client never puts it in a URL or a message).
 */

/** What every admin API error carries: the request that failed. */
export interface RequestInfo {
  /** HTTP method, e.g. `POST`. */
  readonly method: string;
  /** The full URL, without credentials. */
  readonly url: string;
}

/** The base of every error the admin API client throws. */
export class AdminApiError extends Error {
  /** HTTP method of the request that failed. */
  readonly method: string;
  /** URL of the request that failed. */
  readonly url: string;

  constructor(message: string, info: RequestInfo, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.method = info.method;
    this.url = info.url;
  }
}

/** A non-2xx answer whose body is not a contract error (e.g. a proxy's HTML page). */
export class HttpError extends AdminApiError {
  /** The HTTP status. */
  readonly status: number;
  /** Up to 500 characters of the body, to show what answered. */
  readonly body: string;

  constructor(info: RequestInfo, status: number, body: string, options?: { cause?: unknown }) {
    super(`${info.method} ${info.url} answered ${status}${summarize(body)}`, info, options);
    this.status = status;
    this.body = body.slice(0, 500);
  }
}

/**
 * A non-2xx answer with the contract's `{"error", "message", ...}` body: `no_quorum`,
 * `unsafe` (with its `reason`), `conflict`, `not_found` and so on.
 */
export class ContractError extends HttpError {
  /** The contract's error code (`no_quorum`, `unsafe`, …). */
  readonly code: string;
  /** The broker's human text. */
  readonly apiMessage: string;
  /** On `unsafe`: which guard refused (`not_drained`, `quorum`, `min_voters`, `replication`). */
  readonly reason: string | undefined;
  /** Every field of the error body, for the details the contract names (`partitions`, `rebalance_id`). */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(
    info: RequestInfo,
    status: number,
    details: Record<string, unknown> & { error: string; message: string },
  ) {
    super(info, status, JSON.stringify(details));
    const reason = typeof details.reason === "string" ? details.reason : undefined;
    this.message =
      `${info.method} ${info.url} answered ${status} ${details.error}` +
      (reason ? ` (${reason})` : "") +
      (details.message ? `: ${details.message}` : "");
    this.code = details.error;
    this.apiMessage = details.message;
    this.reason = reason;
    this.details = details;
  }
}

/** No answer within the call's timeout. */
export class TimeoutError extends AdminApiError {
  /** The timeout that ran out, in milliseconds. */
  readonly timeoutMs: number;
  /** Always undefined: no status was received. Present so every request error has the field. */
  readonly status = undefined;

  constructor(info: RequestInfo, timeoutMs: number, options?: { cause?: unknown }) {
    super(`${info.method} ${info.url} timed out after ${timeoutMs} ms`, info, options);
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The broker could not be reached: connection refused or reset, DNS failure, TLS failure.
 * `sent` is false when the request certainly never reached the broker (refused, unknown
 * host, TLS handshake), which makes even a non-idempotent write safe to send again.
 */
export class ConnectionError extends AdminApiError {
  /** The system or undici error code, e.g. `ECONNREFUSED`. */
  readonly code: string | undefined;
  /** Whether the request may have reached the broker. */
  readonly sent: boolean;

  constructor(info: RequestInfo, code: string | undefined, sent: boolean, options?: { cause?: unknown }) {
    const why = options?.cause instanceof Error ? options.cause.message : String(code ?? "unknown error");
    super(`${info.method} ${info.url} failed: ${why}`, info, options);
    this.code = code;
    this.sent = sent;
  }
}

/** TLS failure codes that mean the broker's certificate was refused, with what each says about it. */
const CERTIFICATE_CODES: Readonly<Record<string, string>> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "its certificate is not signed by a CA this client trusts",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "its certificate is not signed by a CA this client trusts",
  UNABLE_TO_GET_ISSUER_CERT: "its certificate is not signed by a CA this client trusts",
  SELF_SIGNED_CERT_IN_CHAIN: "its certificate is not signed by a CA this client trusts",
  DEPTH_ZERO_SELF_SIGNED_CERT: "its certificate is self-signed, by no CA this client trusts",
  CERT_SIGNATURE_FAILURE: "its certificate's signature does not verify",
  CERT_HAS_EXPIRED: "its certificate has expired",
  CERT_NOT_YET_VALID: "its certificate is not valid yet",
  ERR_TLS_CERT_ALTNAME_INVALID: "its certificate does not name this host",
};

/** Whether a connection error's code says the broker's TLS certificate was refused. */
export function isCertificateCode(code: string | undefined): boolean {
  return code !== undefined && code in CERTIFICATE_CODES;
}

/**
 * The broker's TLS certificate was refused: not signed by a CA the client trusts, expired, or not
 * for the URL's host. Nothing was sent, and another attempt would meet the same certificate: the
 * message says which CA was trusted and how to give the right one (`hint`).
 */
export class CertificateError extends ConnectionError {
  /** What was trusted and what to do, as the caller put it (the CLI names its `--ca-file`). */
  readonly hint: string;

  constructor(info: RequestInfo, code: string, hint: string, options?: { cause?: unknown }) {
    super(info, code, false, options);
    // Node's own text is left out: it suggests --use-system-ca, which is no fix for a private CA.
    this.message = `${info.method} ${info.url} failed: ${CERTIFICATE_CODES[code] ?? "its certificate was refused"} (${code}); ${hint}`;
    this.hint = hint;
  }
}

/** A 2xx answer that does not match the contract's schema. */
export class SchemaError extends AdminApiError {
  /** The HTTP status of the answer. */
  readonly status: number;
  /** The schema's complaints, one line each (`members.0.state: Invalid option…`). */
  readonly issues: readonly string[];

  constructor(info: RequestInfo, status: number, issues: readonly string[], options?: { cause?: unknown }) {
    super(
      `${info.method} ${info.url} answered ${status} with a body that breaks the contract: ${issues.slice(0, 3).join("; ")}`,
      info,
      options,
    );
    this.status = status;
    this.issues = issues;
  }
}

/** The caller's signal aborted the request. */
export class AbortedError extends AdminApiError {
  constructor(info: RequestInfo, options?: { cause?: unknown }) {
    super(`${info.method} ${info.url} was aborted`, info, options);
  }
}

function summarize(body: string): string {
  const text = body.replace(/\s+/g, " ").trim();
  if (!text) return "";
  return `: ${text.length > 120 ? `${text.slice(0, 120)}…` : text}`;
}
