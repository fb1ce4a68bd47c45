import { ConnectionError, ContractError, HttpError, TimeoutError } from "./errors";
import type { RetryOptions } from "./options";

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

/** The contract's codes for "no leader right now": the write was not applied. */
const NOT_APPLIED_CODES = new Set(["no_quorum", "not_leader"]);

/** Whether an error proves that the request was not applied by the cluster. */
export function provesNotApplied(error: unknown): boolean {
  if (error instanceof ContractError) return error.status === 503 && NOT_APPLIED_CODES.has(error.code);
  if (error instanceof ConnectionError) return !error.sent;
  return false;
}

/** Whether an error is worth another attempt, given how safe the call is to repeat. */
export function isRetryable(error: unknown, idempotency: Idempotency): boolean {
  if (provesNotApplied(error)) return true;
  if (idempotency === "once") return false;
  if (error instanceof ContractError) return error.code === "internal" || error.status >= 500;
  if (error instanceof HttpError) return error.status >= 500 || error.status === 429;
  return error instanceof TimeoutError || error instanceof ConnectionError;
}

/**
 * The delay before retry number `attempt` (0 for the first retry): exponential, capped,
 * with "equal jitter" (half fixed, half random) so that clients that failed together do
 * not retry together, yet no retry comes back at once.
 */
export function backoffDelay(
  attempt: number,
  policy: Pick<RetryOptions, "minDelayMs" | "maxDelayMs">,
  random: () => number,
): number {
  const cap = Math.min(policy.maxDelayMs, policy.minDelayMs * 2 ** Math.min(attempt, 30));
  return Math.round(cap / 2 + random() * (cap / 2));
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
