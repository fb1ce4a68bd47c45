import { MAX_TIMER_MS } from "../procedures/client/options";
import { parseDuration as parseDurationText } from "../common/units";
import { UsageError } from "./errors";

/**
 * A duration flag: the project's one parser (`common/units.ts`) with a bare number in seconds
 * (`--deadline 90`), rounded to whole milliseconds, above zero and at most `MAX_TIMER_MS`. Throws a
 * `UsageError` naming the flag.
 */
export function parseDuration(text: string, flag: string): number {
  const parsed = parseDurationText(text, "s");
  if (parsed === undefined) {
    throw new UsageError(`${flag} must be a duration like 90s, 30m or 1h30m: got "${text}"`);
  }
  const ms = Math.round(parsed);
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
