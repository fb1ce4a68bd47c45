/**
 * A small parser of the Prometheus text exposition format 0.0.4 (what `GET /metrics`
 * serves), and PromQL's `histogram_quantile` over one scrape. npm's
 * `parse-prometheus-text-format` was considered: it ships no types and groups samples in a
 * shape we would reshape anyway; the format is small enough to parse here and test.
 */

/** One sample line: `name{labels} value [timestamp]`. */
export interface Sample {
  /** The series name, with `_bucket`/`_sum`/`_count` suffixes kept. */
  name: string;
  /** The labels, unescaped. */
  labels: Record<string, string>;
  /** The value (`+Inf`, `-Inf` and `NaN` included). */
  value: number;
  /** The optional timestamp, in milliseconds since the epoch. */
  timestampMs?: number;
}

/** A parsed scrape: every sample, and the `# TYPE` of each family. */
export interface Scrape {
  /** Every sample, in order. */
  samples: Sample[];
  /** The declared type of each metric family (`counter`, `gauge`, `histogram`, …). */
  types: Record<string, string>;
}

/** A line that is not in the text format; the message names the line number. */
export class MetricsParseError extends Error {
  constructor(line: number, text: string, why: string) {
    super(`metrics line ${line} is not in the Prometheus text format (${why}): ${text.slice(0, 80)}`);
    this.name = "MetricsParseError";
  }
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

/** Parses a whole scrape. Throws `MetricsParseError` on a malformed line. */
export function parsePrometheusText(text: string): Scrape {
  const samples: Sample[] = [];
  const types: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "") continue;
    if (line.startsWith("#")) {
      const m = /^#\s*TYPE\s+(\S+)\s+(\S+)/.exec(line);
      if (m) types[m[1]!] = m[2]!;
      continue;
    }
    samples.push(parseSample(line, i + 1));
  }
  return { samples, types };
}

function parseSample(line: string, lineNo: number): Sample {
  const name = NAME.exec(line)?.[0];
  if (!name) throw new MetricsParseError(lineNo, line, "no metric name");
  let rest = line.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith("{")) {
    rest = rest.slice(1);
    for (;;) {
      rest = rest.trimStart();
      if (rest.startsWith("}")) {
        rest = rest.slice(1);
        break;
      }
      const label = LABEL_NAME.exec(rest)?.[0];
      if (!label) throw new MetricsParseError(lineNo, line, "bad label name");
      rest = rest.slice(label.length).trimStart();
      if (!rest.startsWith('="')) throw new MetricsParseError(lineNo, line, "label without a quoted value");
      const [value, after] = readQuoted(rest.slice(2), lineNo, line);
      labels[label] = value;
      rest = after.trimStart();
      if (rest.startsWith(",")) rest = rest.slice(1);
      else if (!rest.startsWith("}")) throw new MetricsParseError(lineNo, line, "expected , or }");
    }
  }
  const parts = rest.trim().split(/\s+/);
  if (parts.length < 1 || parts.length > 2 || parts[0] === "") {
    throw new MetricsParseError(lineNo, line, "expected a value and an optional timestamp");
  }
  const value = parseValue(parts[0]!);
  if (value === undefined) throw new MetricsParseError(lineNo, line, `bad value "${parts[0]}"`);
  const sample: Sample = { name, labels, value };
  if (parts[1] !== undefined) {
    const ts = Number(parts[1]);
    if (!Number.isInteger(ts)) throw new MetricsParseError(lineNo, line, `bad timestamp "${parts[1]}"`);
    sample.timestampMs = ts;
  }
  return sample;
}

function readQuoted(text: string, lineNo: number, line: string): [string, string] {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') return [out, text.slice(i + 1)];
    if (c === "\\") {
      const next = text[++i];
      if (next === "n") out += "\n";
      else if (next === "\\" || next === '"') out += next;
      else throw new MetricsParseError(lineNo, line, "bad escape in a label value");
    } else {
      out += c;
    }
  }
  throw new MetricsParseError(lineNo, line, "unterminated label value");
}

function parseValue(text: string): number | undefined {
  if (text === "+Inf" || text === "Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  if (text === "NaN") return NaN;
  const n = Number(text);
  return Number.isNaN(n) ? undefined : n;
}

/** The samples named `name` whose labels include every pair of `match`. */
export function select(scrape: Scrape, name: string, match: Record<string, string> = {}): Sample[] {
  return scrape.samples.filter(
    (s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v),
  );
}

/** The value of the one sample named `name` matching `match`, or undefined. */
export function valueOf(
  scrape: Scrape,
  name: string,
  match: Record<string, string> = {},
): number | undefined {
  return select(scrape, name, match)[0]?.value;
}

/** One cumulative bucket of a histogram: observations `<= le`. */
export interface Bucket {
  /** Upper bound (`+Inf` for the last). */
  le: number;
  /** Cumulative count. */
  count: number;
}

/**
 * PromQL's `histogram_quantile(q, …)` over cumulative buckets: linear interpolation inside
 * the bucket where the rank falls; the highest finite bound when it falls in `+Inf`;
 * `NaN` with no observations.
 */
export function histogramQuantile(q: number, buckets: readonly Bucket[]): number {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const last = sorted[sorted.length - 1];
  if (!last || last.le !== Infinity || last.count <= 0 || Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const rank = q * last.count;
  const idx = sorted.findIndex((b) => b.count >= rank);
  const bucket = sorted[idx]!;
  if (bucket.le === Infinity) return sorted.length > 1 ? sorted[sorted.length - 2]!.le : NaN;
  const prev = idx > 0 ? sorted[idx - 1]! : { le: 0, count: 0 };
  const inBucket = bucket.count - prev.count;
  if (inBucket <= 0) return bucket.le;
  return prev.le + (bucket.le - prev.le) * ((rank - prev.count) / inBucket);
}

/** The buckets of histogram `name` (without `_bucket`) for the samples matching `match`, summed by `le`. */
export function bucketsOf(scrape: Scrape, name: string, match: Record<string, string> = {}): Bucket[] {
  const byLe = new Map<number, number>();
  for (const s of select(scrape, `${name}_bucket`, match)) {
    const le = parseValue(s.labels.le ?? "");
    if (le === undefined) continue;
    byLe.set(le, (byLe.get(le) ?? 0) + s.value);
  }
  return [...byLe].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
}
