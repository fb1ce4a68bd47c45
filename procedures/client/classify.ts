/**
 * The one error classifier of the admin API client and the procedures: what a failed call
 * says about the cluster, and so whether it may be sent again. The HTTP transport's retries,
 * the failover between brokers, the rebalance start and the polls of long waits all ask here.
 */
import {
  AbortedError,
  AdminApiError,
  CertificateError,
  ConnectionError,
  ContractError,
  HttpError,
  TimeoutError,
} from "./errors";

/**
 * How safe a call is to send again.
 * - `read`: changes nothing.
 * - `idempotent`: a write that the contract makes idempotent ("repeating a call that
 *   already took effect answers 2xx with the current state").
 * - `once`: a write whose repetition would do something different (a second snapshot, a
 *   second compaction task, a second rebalance): sent again only when the answer proves
 *   the first was not applied.
 */
export type Idempotency = "read" | "idempotent" | "once";

/**
 * What a failure says about the call:
 * - `not_applied`: the answer proves the cluster did not apply it (`503 no_quorum`/`not_leader`,
 *   a connection refused before the request left): any call may be sent again.
 * - `ambiguous`: a transient failure after the request may have reached the broker (a timeout,
 *   a reset, a `5xx`): a read or an idempotent write may be sent again; any other write may or
 *   may not have taken effect, and the cluster must be asked before it is repeated.
 * - `permanent`: an answer another attempt would not change (`4xx`, a body that breaks the
 *   contract, an abort, an error that is not the admin API's).
 */
export type ErrorClass = "not_applied" | "ambiguous" | "permanent";

/** The contract's codes for "no leader right now": the write was not applied. */
const NOT_APPLIED_CODES = new Set(["no_quorum", "not_leader"]);

/** Classifies a failed admin API call (see {@link ErrorClass}). */
export function classifyError(error: unknown): ErrorClass {
  if (error instanceof AbortedError) return "permanent";
  if (error instanceof ContractError) {
    if (error.status === 503 && NOT_APPLIED_CODES.has(error.code)) return "not_applied";
    return error.code === "internal" || error.status >= 500 ? "ambiguous" : "permanent";
  }
  // A proxy's 429 refused the request before any broker saw it.
  if (error instanceof HttpError) {
    if (error.status === 429) return "not_applied";
    return error.status >= 500 ? "ambiguous" : "permanent";
  }
  // The same certificate would be refused again: waiting it out would only hide a wrong CA.
  if (error instanceof CertificateError) return "permanent";
  if (error instanceof ConnectionError) return error.sent ? "ambiguous" : "not_applied";
  if (error instanceof TimeoutError) return "ambiguous";
  // No broker answered (the failover's summary): every attempt failed before an answer.
  if (error instanceof AdminApiError && error.name === "ClusterUnreachableError") return "ambiguous";
  return "permanent";
}

/** Whether an error proves that the request was not applied by the cluster. */
export function provesNotApplied(error: unknown): boolean {
  return classifyError(error) === "not_applied";
}

/** A failure after which a write may or may not have been applied: ask the cluster before repeating it. */
export function isAmbiguous(error: unknown): boolean {
  return classifyError(error) === "ambiguous";
}

/** Whether an error is worth another attempt, given how safe the call is to repeat. */
export function isRetryable(error: unknown, idempotency: Idempotency): boolean {
  const kind = classifyError(error);
  return kind === "not_applied" || (kind === "ambiguous" && idempotency !== "once");
}

/** Whether a failed read is worth waiting out (a broker down, a timeout, no leader for now). */
export function isTransient(error: unknown): boolean {
  return isRetryable(error, "read");
}

/**
 * Why a call failed, in a few words, for lists of brokers and reports: `ECONNREFUSED`,
 * `timed out after 2000 ms`, `HTTP 500 internal`, `no broker answered`. The one describer of
 * failures, beside the one classifier.
 */
export function failureReason(error: unknown): string {
  if (error instanceof ConnectionError) return error.code ?? "connection failed";
  if (error instanceof TimeoutError) return `timed out after ${error.timeoutMs} ms`;
  if (error instanceof AdminApiError && error.name === "ClusterUnreachableError") return "no broker answered";
  if (error instanceof ContractError) return `HTTP ${error.status} ${error.code}`;
  if (error instanceof HttpError) return `HTTP ${error.status}`;
  return error instanceof Error ? error.message : String(error);
}
