import { setTimeout as pause } from "node:timers/promises";
import type { RetryOptions } from "./options";

// The classifier lives in ./classify; these names stay exported here for the transport
// (http.ts, cluster.ts) and older callers.
export {
  classifyError,
  isAmbiguous,
  isRetryable,
  isTransient,
  provesNotApplied,
  type ErrorClass,
  type Idempotency,
} from "./classify";

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

/**
 * Waits `ms`, or rejects with the signal's reason as soon as it aborts (node's timers/promises
 * rejects with its own AbortError; callers tell a deadline from Ctrl-C by the reason).
 */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await pause(ms, undefined, signal === undefined ? {} : { signal });
  } catch (error) {
    throw signal?.aborted ? signal.reason : error;
  }
}
