/**
 * The records that cross from the providers to the CLI: each fact a provider says in a human
 * line (a plan of the data a change moves, a guard's refusal, guards overridden by force, a
 * note that something was not judged, a step's progress) is also printed as one record line,
 * `streambus-<kind> {json}`, beside it. The human line is made from the record by the record's
 * one formatter; tooling (the PR comment, `cli/stack-report/`) reads the records alone, so a
 * reworded human line can never change what it reports.
 *
 * A record line is printed to the provider's stdout (the engine shows it as an info
 * diagnostic), except a refusal's, which is the last line of the error it explains (the engine
 * shows that error once, see `providers/refusal.ts`, and a line printed before a failing call
 * could be lost with the run). `parseRecords` reads records from any diagnostic's text.
 */
import { z } from "zod";
import { formatBytes, formatDuration } from "./common";

/** One broken guard: its short name (`min_voters`, `replication`, `offline_partitions`, `leader`) and why. */
export const GuardFailureRecord = z.object({ guard: z.string().min(1), message: z.string() });

/** One broken guard (the data a `GuardError` carries). */
export type GuardFailure = z.infer<typeof GuardFailureRecord>;

const ids = z.array(z.number().int());

/** The data a membership change will move (`streambus-plan`). */
export const PlanRecord = z
  .object({
    cluster_id: z.string(),
    stage: z.enum(["preview", "update"]),
    from: ids,
    to: ids,
    add: ids,
    remove: ids,
    /** `dry_run`: the cluster's own plan; `estimate`: computed by the provider. */
    method: z.enum(["dry_run", "estimate"]),
    targets: ids,
    moves: z.number(),
    bytes: z.number(),
    receivers: ids,
    throttle_bytes_per_s: z.number().nullable(),
    max_concurrent_moves: z.number().nullable(),
    estimated_seconds: z.number().nullable(),
    /** How the plan was made, in words (which brokers are pending, how the estimate spread the data). */
    basis: z.string().optional(),
  })
  .loose();

/** A change a guard refused (`streambus-refusal`): what, each failure, how to override. */
export const RefusalRecord = z
  .object({
    /** What was refused, e.g. `change the members from [1, 2, 3] to [1, 2]`. */
    what: z.string(),
    /** The member sets of a membership change, when the refusal is one. */
    from: ids.optional(),
    to: ids.optional(),
    failures: z.array(GuardFailureRecord).min(1),
    /** How to override, e.g. `to override, \`pulumi config set streambus:force true\`, …`. */
    override: z.string(),
  })
  .loose();

/** Guards that failed and `streambus:force` overrode (`streambus-override`). */
export const OverrideRecord = z.object({ failures: z.array(GuardFailureRecord).min(1) }).loose();

/** Something the provider could not judge at preview (`streambus-note`): the update judges it. */
export const NoteRecord = z
  .object({
    /** `plan`: no plan of the data movement; `guards`: the guards were not judged. */
    about: z.enum(["plan", "guards"]),
    /** Why, in the error's words. */
    reason: z.string(),
  })
  .loose();

/** One progress report of a procedure's step (`streambus-progress`). */
export const ProgressRecord = z
  .object({
    step: z.string(),
    message: z.string(),
    percent: z.number().optional(),
    moves: z.object({ done: z.number(), total: z.number() }).optional(),
    bytes: z.object({ done: z.number(), total: z.number() }).optional(),
  })
  .loose();

/** Every record kind with its schema; the kind names the line's prefix `streambus-<kind> `. */
export const RECORD_SCHEMAS = {
  plan: PlanRecord,
  refusal: RefusalRecord,
  override: OverrideRecord,
  note: NoteRecord,
  progress: ProgressRecord,
} as const;

/** A record kind. */
export type RecordKind = keyof typeof RECORD_SCHEMAS;

/** A record of one kind, as printed and parsed. */
export type RecordOf<K extends RecordKind> = z.infer<(typeof RECORD_SCHEMAS)[K]>;

/** Any record, tagged with its kind. */
export type AnyRecord = { [K in RecordKind]: { kind: K; data: RecordOf<K> } }[RecordKind];

/** `streambus-plan `: the line prefix of a record of `kind`. */
export function recordPrefix(kind: RecordKind): string {
  return `streambus-${kind} `;
}

/**
 * The record line of `data`: `streambus-<kind> {json}`, one line. The record is checked against
 * its schema first, so a provider can never print a record the CLI would not read.
 */
export function printRecord<K extends RecordKind>(kind: K, data: RecordOf<K>): string {
  const checked = RECORD_SCHEMAS[kind].parse(data);
  return recordPrefix(kind) + JSON.stringify(checked);
}

const RECORD_LINE = new RegExp(`^streambus-(${Object.keys(RECORD_SCHEMAS).join("|")}) (\\{.*\\})$`);

/**
 * The records in a text (a diagnostic's message, a provider's output): every line that is a
 * record line of a known kind and whose JSON fits its schema, in order. Other lines, and record
 * lines that do not parse, are left out.
 */
export function parseRecords(text: string): AnyRecord[] {
  const out: AnyRecord[] = [];
  for (const line of text.split("\n")) {
    const m = RECORD_LINE.exec(line.trim());
    if (!m) continue;
    const kind = m[1] as RecordKind;
    let json: unknown;
    try {
      json = JSON.parse(m[2]!);
    } catch {
      continue;
    }
    const parsed = RECORD_SCHEMAS[kind].safeParse(json);
    if (parsed.success) out.push({ kind, data: parsed.data } as AnyRecord);
  }
  return out;
}

/** Whether a line is a record line (tooling's, not a person's). */
export function isRecordLine(line: string): boolean {
  return RECORD_LINE.test(line.trim());
}

/** Moves at once when the stack sets none (the emulator's default; real clusters say theirs). */
export const DEFAULT_CONCURRENCY = 4;

/** The human line of a plan: the members, the moves and bytes, the time, how it was planned. */
export function formatPlan(plan: RecordOf<"plan">): string {
  const what = [
    plan.add.length ? `add ${plan.add.join(", ")}` : "",
    plan.remove.length ? `remove ${plan.remove.join(", ")}` : "",
  ]
    .filter(Boolean)
    .join(", ");
  const time =
    plan.estimated_seconds === null
      ? "time unknown (no streambus:rebalance.throttle set: the cluster's default throttle applies)"
      : `about ${formatDuration(plan.estimated_seconds * 1000)} at ${formatBytes(plan.throttle_bytes_per_s ?? 0)}/s per move, ` +
        `${plan.max_concurrent_moves ?? DEFAULT_CONCURRENCY} moves at once`;
  return (
    `streambus: members [${plan.from.join(", ")}] → [${plan.to.join(", ")}]${what ? ` (${what})` : ""}: ` +
    `${plan.method === "estimate" ? "about " : ""}${plan.moves} partition moves, ${formatBytes(plan.bytes)}, ${time}` +
    (plan.basis ? ` (${plan.basis})` : "")
  );
}

/**
 * The human message of a refusal: `refusing to <what>: <reasons> (<override>)`. With `named`,
 * each reason says its guard (`guard min_voters failed: …`), as `pulumi preview` shows it.
 */
export function formatRefusal(refusal: RecordOf<"refusal">, opts: { named?: boolean } = {}): string {
  const reasons = refusal.failures.map((f) =>
    opts.named ? `guard ${f.guard} failed: ${f.message}` : f.message,
  );
  return `refusing to ${refusal.what}: ${reasons.join("; ")} (${refusal.override})`;
}

/** The human line of guards overridden by `streambus:force`. */
export function formatOverride(override: RecordOf<"override">): string {
  const each = override.failures.map((f) => `${f.guard} (${f.message})`);
  return `streambus: guards overridden by streambus:force: ${each.join("; ")}`;
}

/** The human line of a note. */
export function formatNote(note: RecordOf<"note">): string {
  const what = note.about === "plan" ? "no plan of the data movement" : "guards not judged at preview";
  return `streambus: ${what}: ${note.reason}`;
}

/** The human line of a progress report. */
export function formatProgress(progress: RecordOf<"progress">): string {
  return `streambus: ${progress.message}`;
}

/** Each kind's one formatter: the human line a provider prints beside the record. */
const FORMATTERS: { [K in RecordKind]: (record: RecordOf<K>) => string } = {
  plan: formatPlan,
  refusal: (r) => formatRefusal(r),
  override: formatOverride,
  note: formatNote,
  progress: formatProgress,
};

/** The two lines a provider prints for a record: the human line (its formatter's), then the record line. */
export function recordLines<K extends RecordKind>(kind: K, data: RecordOf<K>): [string, string] {
  return [FORMATTERS[kind](data), printRecord(kind, data)];
}
