import type * as pulumi from "@pulumi/pulumi";
import type { MembershipInputs } from "./membership-types";

/**
 * Validation of the membership resource's inputs (its provider's `check`), pure. During a
 * preview some values are not known yet (the admin URL of a broker whose machine is still to
 * be created): they hold the engine's unknown sentinel and are not judged.
 */

/** The engine's stand-in for a value not known during a preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Whether a value is the engine's unknown sentinel. */
export function isUnknown(value: unknown): boolean {
  return value === UNKNOWN;
}

const PHASES = ["all", "drain", "join"] as const;

/** Checks the inputs; returns them normalized (brokers ascending, force a boolean) with every failure. */
export function checkMembershipInputs(news: MembershipInputs): {
  inputs: MembershipInputs;
  failures: pulumi.dynamic.CheckFailure[];
} {
  const failures: pulumi.dynamic.CheckFailure[] = [];
  const fail = (property: string, reason: string) => failures.push({ property, reason });
  const inputs: MembershipInputs = { ...news, force: news.force === true };

  const brokers: unknown = news.brokers;
  if (Array.isArray(brokers)) {
    const known = brokers.filter((b) => !isUnknown(b));
    const bad = known.filter((b) => !Number.isSafeInteger(b) || (b as number) < 1);
    if (bad.length > 0) {
      fail(
        "brokers",
        `broker ids must be whole numbers from 1: got ${JSON.stringify(bad)} (streambus:brokers)`,
      );
    }
    const dupes = known.filter((b, i) => known.indexOf(b) !== i);
    if (dupes.length > 0) {
      fail("brokers", `broker ids must be unique: ${[...new Set(dupes)].join(", ")} declared twice`);
    }
    if (brokers.length === 0) fail("brokers", "declare at least one broker (streambus:brokers)");
    if (bad.length === 0 && known.length === brokers.length) {
      inputs.brokers = [...(known as number[])].sort((a, b) => a - b);
    }
  } else if (!isUnknown(brokers)) {
    fail("brokers", `must be a list of broker ids, e.g. [1, 2, 3]: got ${JSON.stringify(brokers)}`);
  }

  const urls: unknown = news.adminUrls;
  if (urls !== null && typeof urls === "object" && !Array.isArray(urls)) {
    for (const [id, url] of Object.entries(urls as Record<string, unknown>)) {
      if (!/^[1-9]\d*$/.test(id)) fail("adminUrls", `keys must be broker ids: got "${id}"`);
      if (isUnknown(url)) continue;
      if (typeof url !== "string" || !/^https?:\/\/[^/\s@]+(\/\S*)?$/.test(url)) {
        fail(
          "adminUrls",
          `broker ${id}: the admin URL must be http(s) without credentials, e.g. http://10.0.1.11:8080: got ${JSON.stringify(url)}`,
        );
      }
    }
    if (Array.isArray(brokers)) {
      const missing = brokers
        .filter((b) => !isUnknown(b) && !(String(b) in urls))
        .sort((a, b) => Number(a) - Number(b));
      if (missing.length > 0) {
        fail(
          "adminUrls",
          `no admin URL for broker${missing.length > 1 ? "s" : ""} ${missing.join(", ")}: every declared broker needs one (streambus:adminEndpoints names URLs reachable from here)`,
        );
      }
    }
  } else if (!isUnknown(urls)) {
    fail("adminUrls", `must map broker ids to admin URLs, e.g. {"1": "http://10.0.1.11:8080"}`);
  }

  if (!isUnknown(news.phase) && !PHASES.includes(news.phase)) {
    fail("phase", `must be one of ${PHASES.join(", ")}: got ${JSON.stringify(news.phase)}`);
  }
  if (!isUnknown(news.timeoutMs) && !(Number.isFinite(news.timeoutMs) && news.timeoutMs > 0)) {
    fail(
      "timeoutMs",
      `must be a positive number of milliseconds (streambus:rebalance.timeout, e.g. 30m): got ${news.timeoutMs}`,
    );
  }
  const moves = news.maxConcurrentMoves;
  if (moves !== undefined && !isUnknown(moves) && !(Number.isSafeInteger(moves) && moves >= 1)) {
    fail(
      "maxConcurrentMoves",
      `must be a whole number from 1 (streambus:rebalance.maxConcurrentMoves): got ${moves}`,
    );
  }
  const throttle = news.throttleBytesPerS;
  if (throttle !== undefined && !isUnknown(throttle) && !(Number.isFinite(throttle) && throttle > 0)) {
    fail(
      "throttleBytesPerS",
      `must be a positive number of bytes per second (streambus:rebalance.throttle, e.g. 50MB/s): got ${throttle}`,
    );
  }
  const force: unknown = news.force;
  if (force !== undefined && typeof force !== "boolean" && !isUnknown(force)) {
    fail("force", `must be true or false (streambus:force): got ${JSON.stringify(force)}`);
  }
  return { inputs, failures };
}

/** The known admin URLs, declared brokers first (ascending), then the others' (brokers being removed). */
export function knownUrls(...maps: Array<Record<string, string> | undefined>): string[] {
  const out: string[] = [];
  for (const map of maps) {
    if (!map || typeof map !== "object") continue;
    const entries = Object.entries(map).sort(([a], [b]) => Number(a) - Number(b));
    for (const [, url] of entries)
      if (typeof url === "string" && !isUnknown(url) && !out.includes(url)) out.push(url);
  }
  return out;
}

/** Broker id → known URL, for asking each broker at a URL reachable from here. */
export function urlsById(...maps: Array<Record<string, string> | undefined>): Map<number, string> {
  const out = new Map<number, string>();
  for (const map of maps) {
    if (!map || typeof map !== "object") continue;
    for (const [id, url] of Object.entries(map)) {
      if (typeof url === "string" && !isUnknown(url) && !out.has(Number(id))) out.set(Number(id), url);
    }
  }
  return out;
}
