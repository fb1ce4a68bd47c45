import { MAX_TIMER_MS } from "../procedures/client/options";
import { UsageError } from "./errors";

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/**
 * `90s`, `30m`, `2h`, `1h30m`, `500ms`; a bare number is seconds; at most `MAX_TIMER_MS`.
 * Throws a `UsageError` naming the flag.
 */
export function parseDuration(text: string, flag: string): number {
  const trimmed = text.trim();
  const parts = /^\d+(\.\d+)?$/.test(trimmed)
    ? [[trimmed, trimmed, "s"]]
    : [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== trimmed) {
    throw new UsageError(`${flag} must be a duration like 90s, 30m or 1h30m: got "${text}"`);
  }
  const ms = Math.round(parts.reduce((sum, p) => sum + Number(p[1]) * UNITS[p[2]!]!, 0));
  // Rounded first: "0.0001s" is no more a deadline than "0" is.
  if (ms <= 0) throw new UsageError(`${flag} must be longer than zero: got "${text}"`);
  // Node's timers hold at most MAX_TIMER_MS: a longer deadline would fire at once.
  if (!(ms <= MAX_TIMER_MS)) {
    throw new UsageError(
      `${flag} must be at most ${Math.floor(MAX_TIMER_MS / 3_600_000)}h (24 days, the longest timer Node keeps): got "${text}"`,
    );
  }
  return ms;
}

/** A positive integer argument (a broker id, a count); throws a `UsageError` naming it. */
export function parsePositiveInt(text: string | undefined, what: string): number {
  if (text === undefined || !/^\d+$/.test(text) || Number(text) <= 0 || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(
      `${what} must be a positive integer: got ${text === undefined ? "nothing" : `"${text}"`}`,
    );
  }
  return Number(text);
}
