import { runProcedure, type ProcedureContext } from "../procedures/common";
import { isUnknown } from "./membership-check";

/**
 * What the providers of the live settings (cluster config, quotas, topics) share: the stack's
 * config as `configure` gave it (the admin token), a cluster handle on the declared URLs, reads
 * that refuse to be written back when stale, and errors that say what to do.
 */

export {
  CLUSTER_GONE_ENV,
  clusterGoneConsent,
  clusterGoneError,
  everyBrokerRefused,
  explain,
  keepConfig,
  log,
  TOKEN_KEY,
  withCluster,
} from "./admin";

/** How long a write waits for a leader (a fresh read) before it gives up. */
export const FRESH_READ_DEADLINE_MS = 60_000;

/**
 * Reads until the answer is not `stale`: a stale read comes from a broker that sees no leader,
 * and writing it back (with one field changed) could undo what the leader holds. Transient
 * failures and stale answers are waited out until the deadline.
 */
export function freshRead<T extends { stale?: boolean | undefined }>(
  what: string,
  read: (ctx: ProcedureContext) => Promise<T>,
  deadlineMs = FRESH_READ_DEADLINE_MS,
): Promise<T> {
  return runProcedure(`${what} (fresh read)`, deadlineMs, {}, async (ctx) => {
    ctx.left = `a read of ${what} from a broker that sees the leader (every answer was stale: no quorum)`;
    return ctx.waitUntil(
      () => read(ctx),
      (value) => value.stale !== true,
    );
  });
}

/** Whether any part of a value is still unknown (a preview before the brokers exist). */
export function hasUnknown(value: unknown): boolean {
  if (isUnknown(value)) return true;
  if (value !== null && typeof value === "object") return Object.values(value).some(hasUnknown);
  return false;
}

/** Whether two admin URL maps name the same URLs. */
export function sameUrls(
  a: Record<string, string> | undefined,
  b: Record<string, string> | undefined,
): boolean {
  return JSON.stringify(Object.entries(a ?? {}).sort()) === JSON.stringify(Object.entries(b ?? {}).sort());
}
