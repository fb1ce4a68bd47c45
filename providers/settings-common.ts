import type * as pulumi from "@pulumi/pulumi";
import { Cluster, ContractError, type ClientOptions } from "../procedures/client";
import { runProcedure, type ProcedureContext } from "../procedures/common";
import { isUnknown, knownUrls } from "./membership-check";

/**
 * What the providers of the live settings (cluster config, quotas, topics) share: the stack's
 * config as `configure` gave it (the admin token), a cluster handle on the declared URLs, reads
 * that refuse to be written back when stale, and errors that say what to do.
 */

/** The stack config key of the admin token (the same as the membership provider's). */
export const TOKEN_KEY = "streambus:adminToken";

let stackConfig: pulumi.dynamic.Config | undefined;

/** Keeps the stack's config; each provider's `configure` calls this (the engine configures each once). */
export function keepConfig(config: pulumi.dynamic.Config): void {
  stackConfig = config;
}

/** Where the engine shows lines: a dynamic provider's stdout streams into `pulumi up`/`preview`. */
export const log = (line: string): void => console.log(line);

function clientOptions(): ClientOptions {
  const token = stackConfig?.get(TOKEN_KEY) || undefined;
  // More retries than the CLI: an `up` should ride out a flaky API rather than stop half-way.
  return { ...(token ? { token } : {}), retry: { retries: 6 } };
}

/** Runs `fn` with a cluster handle on the known URLs, closing it after. */
export async function withCluster<T>(
  urls: Record<string, string> | undefined,
  fn: (cluster: Cluster) => Promise<T>,
): Promise<T> {
  const known = knownUrls(urls);
  if (known.length === 0) throw new Error("no admin URL is known yet: nothing to reach the cluster through");
  const cluster = new Cluster(known, clientOptions());
  try {
    return await fn(cluster);
  } finally {
    await cluster.close();
  }
}

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

/** Turns the client's errors into what the person running `pulumi` needs to do. */
export function explain(error: unknown, what: string): Error {
  if (error instanceof ContractError && error.code === "unauthorized") {
    const set = stackConfig?.get(TOKEN_KEY)
      ? "the admin token in the stack config is wrong"
      : "no admin token is set";
    return new Error(
      `${what}: the cluster refused the call (401 unauthorized, ${error.method} ${error.url}): ${set}; ` +
        `set it with \`pulumi config set --secret ${TOKEN_KEY} <token>\``,
      { cause: error },
    );
  }
  if (error instanceof Error) return new Error(`${what}: ${error.message}`, { cause: error });
  return new Error(`${what}: ${String(error)}`);
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
