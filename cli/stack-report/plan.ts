/**
 * The membership provider's records during a preview, read back from the engine's diagnostics
 * (`procedures/records.ts`): the plan of the data a change of the broker set will move, the
 * guards that refused it, the guards `streambus:force` overrode, and what was not judged. Only
 * the records are read, never the human lines beside them, so rewording those cannot change
 * the report.
 */
import { isRecordLine, parseRecords, type AnyRecord, type RecordOf } from "../../procedures/records";
import { diagnostics, type StackEvent } from "./events";

/** One membership change's plan. */
export interface MembershipPlan {
  plan: RecordOf<"plan">;
}

/** What the membership provider said at preview, as records. */
export interface MembershipFindings {
  plans: MembershipPlan[];
  /** Changes a guard refused (the preview fails). */
  refusals: Array<RecordOf<"refusal">>;
  /** Guards `streambus:force` overrode. */
  overridden: Array<RecordOf<"override">>;
  /** What was not judged at preview (no plan, guards not judged). */
  notes: Array<RecordOf<"note">>;
}

/** Every record in the run's diagnostics, in order. */
function recordsOf(events: readonly StackEvent[]): AnyRecord[] {
  return events.flatMap((e) => (e.diagnosticEvent ? parseRecords(e.diagnosticEvent.message) : []));
}

/** Records of one kind, each once (a provider's check and diff, or a second gate, say the same twice). */
function unique<K extends AnyRecord["kind"]>(records: readonly AnyRecord[], kind: K): Array<RecordOf<K>> {
  const seen = new Set<string>();
  const out: Array<RecordOf<K>> = [];
  for (const r of records) {
    if (r.kind !== kind) continue;
    const key = JSON.stringify(r.data);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(r.data as RecordOf<K>);
  }
  return out;
}

/** Reads the membership provider's plans, guard refusals, overrides and notes from its records. */
export function membershipFindings(events: readonly StackEvent[]): MembershipFindings {
  const records = recordsOf(events);
  return {
    plans: unique(records, "plan").map((plan) => ({ plan })),
    refusals: unique(records, "refusal"),
    overridden: unique(records, "override"),
    notes: unique(records, "note"),
  };
}

/**
 * Why a run failed, in the engine's and the providers' words: the error diagnostics, without
 * the engine's closing "preview failed"/"update failed" when something more precise was said,
 * without a guard's refusal (its record is reported on its own) and without record lines. The
 * fallback (the engine's error) stands in only when no error diagnostic was read.
 */
export function failureReasons(events: readonly StackEvent[], fallback?: string): string[] {
  const all = diagnostics(events, "error");
  const refusal = (m: string) => parseRecords(m).some((r) => r.kind === "refusal");
  const errors = all
    .filter((d) => !refusal(d.message))
    .map((d) =>
      d.message
        .split("\n")
        .filter((l) => !isRecordLine(l))
        .join("\n")
        .trim()
        .replace(/^error: /, ""),
    );
  const precise = errors.filter((m) => !/^(preview|update|refresh) failed$/.test(m));
  const reasons = [...new Set(precise.length > 0 ? precise : errors)];
  // A run that failed for a refusal alone has no other reason (its own words, the fallback, are
  // the refusal's again).
  if (reasons.length === 0 && all.some((d) => refusal(d.message))) return [];
  return reasons.length > 0 ? reasons : fallback ? [fallback] : [];
}
