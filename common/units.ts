/**
 * Human sizes, rates and durations as the runbooks write them (`100GB`, `50MB/s`, `7d`).
 *
 * One small module rather than `bytes` + `ms`: neither parses rates, `ms` accepts `"7 days"` and
 * fractional input silently, and the contract pins what a size means: binary units, so `100GB` is
 * 100 GiB = 107374182400 bytes (the contract's `retention_bytes` example).
 */

const SIZE_UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1024,
  kib: 1024,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
  tb: 1024 ** 4,
  tib: 1024 ** 4,
};

const DURATION_UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** What a size may look like, for error messages. */
export const SIZE_HINT =
  'a size like "100GB", "512MiB" or a byte count (units B, KB, MB, GB, TB; 1KB = 1024B)';
/** What a rate may look like, for error messages. */
export const RATE_HINT = 'a rate like "50MB/s" or a byte count per second';
/** What a duration may look like, for error messages. */
export const DURATION_HINT =
  'a duration like "5s", "1h30m", "7d" (units ms, s, m, h, d, w) or whole milliseconds';

const SIZE_RE = /^(\d+(?:\.\d+)?)\s*([a-z]+)?$/i;

/**
 * Parses a size into bytes: `"100GB"` → 107374182400. A bare number is bytes.
 * Returns `undefined` when the value is not a size, so callers can report it with its key.
 */
export function parseSize(value: string | number): number | undefined {
  if (typeof value === "number") return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  const match = SIZE_RE.exec(value.trim());
  if (!match) return undefined;
  const [, amount, unit = "b"] = match;
  const factor = SIZE_UNITS[unit.toLowerCase()];
  if (factor === undefined || amount === undefined) return undefined;
  const bytes = Number(amount) * factor;
  // A fraction of a byte is no size: "1.5B" is a mistake, "1.5GB" is fine.
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** Parses a rate into bytes per second: `"50MB/s"` → 52428800. A bare number is bytes per second. */
export function parseRate(value: string | number): number | undefined {
  if (typeof value === "number") return parseSize(value);
  const trimmed = value.trim();
  if (!/\/s$/i.test(trimmed)) return /^\d+$/.test(trimmed) ? Number(trimmed) : undefined;
  return parseSize(trimmed.slice(0, -2));
}

/**
 * What a bare number means in a duration. There is no default: stack files say milliseconds (a
 * config value is exact), the CLI's flags say seconds (`--deadline 90`), and each caller names its
 * own, so one parser cannot read the same text two ways unnoticed.
 */
export type BareNumberUnit = "ms" | "s";

/** One part of a duration: an amount and its unit (`1h`, `30m`, `1.5s`, `250 ms`). */
const DURATION_PART = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)/iy;

/**
 * The one duration parser (the stack config, the CLI's flags, the policy pack): `"7d"` →
 * 604800000, compounds like `"1h30m"`, units ms, s, m, h, d, w; a bare number is `bareNumber`.
 * Returns milliseconds, possibly fractional (`"0.5ms"`: the caller says whether it rounds or
 * refuses), or `undefined` when the value is not a duration, so callers can report it with its key.
 */
export function parseDuration(value: string | number, bareNumber: BareNumberUnit): number | undefined {
  const bareFactor = DURATION_UNITS[bareNumber] ?? 1;
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? value * bareFactor : undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * bareFactor;
  let ms = 0;
  let at = 0;
  while (at < text.length) {
    DURATION_PART.lastIndex = at;
    const match = DURATION_PART.exec(text);
    if (match === null) return undefined;
    const [whole, amount, unit] = match;
    ms += Number(amount) * (DURATION_UNITS[(unit ?? "").toLowerCase()] ?? Number.NaN);
    at += whole.length;
  }
  return at > 0 && Number.isFinite(ms) ? ms : undefined;
}

const EXACT_UNITS: Array<[string, number]> = [
  ["TB", 1024 ** 4],
  ["GB", 1024 ** 3],
  ["MB", 1024 ** 2],
  ["KB", 1024],
];
const APPROX_UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

/**
 * The one size formatter, in the two forms a size is written:
 * - `exact`, as the runbook and the config files write it: the largest binary unit that divides it
 *   (`107374182400` → `100GB`, `1000` → `1000B`); `parseSize` reads it back. Broker config files
 *   and policy messages.
 * - `approx`, for people reading progress: one decimal in binary units (`1073741824` → `1.0 GiB`,
 *   `512` → `512 B`).
 */
export function formatSize(bytes: number, form: "exact" | "approx"): string {
  if (form === "exact") {
    for (const [unit, factor] of EXACT_UNITS)
      if (bytes > 0 && bytes % factor === 0) return `${bytes / factor}${unit}`;
    return `${bytes}B`;
  }
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < APPROX_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${APPROX_UNITS[unit]}`;
}

/**
 * Renders milliseconds as a Prometheus duration (`300000` → `"5m"`): the largest unit that divides
 * it exactly, so the rules file reads like the runbook.
 */
export function formatPromDuration(ms: number): string {
  // Days at most: the runbook writes "7d", not "1w".
  const units: Array<[string, number]> = [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1000],
  ];
  for (const [unit, factor] of units) {
    if (ms > 0 && ms % factor === 0) return `${ms / factor}${unit}`;
  }
  return `${ms}ms`;
}
