/**
 * The membership provider's words during a preview, read back from the engine's diagnostics:
 * the `streambus-plan {json}` line (providers/membership-plan.ts) with the data a change of the
 * broker set will move, the guards that refused it, and the guards `streambus:force` overrode.
 */
import { z } from "zod";
import { diagnostics, type StackEvent } from "./events";

/** The machine line's JSON, as `planLines` prints it. */
export const MovementPlanLine = z
  .object({
    cluster_id: z.string(),
    stage: z.enum(["preview", "update"]),
    from: z.array(z.number()),
    to: z.array(z.number()),
    add: z.array(z.number()),
    remove: z.array(z.number()),
    method: z.enum(["dry_run", "estimate"]),
    targets: z.array(z.number()),
    moves: z.number(),
    bytes: z.number(),
    receivers: z.array(z.number()),
    throttle_bytes_per_s: z.number().nullable(),
    max_concurrent_moves: z.number().nullable(),
    estimated_seconds: z.number().nullable(),
  })
  .loose();

/** One membership change's plan, with the provider's own sentence about it. */
export interface MembershipPlan {
  plan: z.infer<typeof MovementPlanLine>;
  /** The human line printed beside it (its basis: dry run or estimate, and why). */
  text: string | undefined;
}

/** What the membership provider said at preview. */
export interface MembershipFindings {
  plans: MembershipPlan[];
  /** Errors naming a guard (the change is refused); whole messages. */
  refusals: string[];
  /** `streambus: guards overridden by streambus:force: ...` lines. */
  overridden: string[];
  /** `streambus: no plan of the data movement` / `guards not judged at preview` lines. */
  notes: string[];
}

const PLAN_PREFIX = "streambus-plan ";

/** Reads the membership provider's plan lines, guard refusals and notes from the diagnostics. */
export function membershipFindings(events: readonly StackEvent[]): MembershipFindings {
  const infos = diagnostics(events, "info");
  const humans = infos.filter((d) => d.message.startsWith("streambus: members ")).map((d) => d.message);
  const plans: MembershipPlan[] = [];
  const seen = new Set<string>();
  for (const d of infos) {
    if (!d.message.startsWith(PLAN_PREFIX)) continue;
    const parsed = MovementPlanLine.safeParse(safeJson(d.message.slice(PLAN_PREFIX.length)));
    if (!parsed.success) continue;
    // The same plan said twice (the provider's check and diff, or a second gate) is one plan.
    const key = JSON.stringify(parsed.data);
    if (seen.has(key)) continue;
    seen.add(key);
    const plan = parsed.data;
    const head = `streambus: members [${plan.from.join(", ")}] → [${plan.to.join(", ")}]`;
    plans.push({ plan, text: humans.find((h) => h.startsWith(head)) });
  }
  const refusals = diagnostics(events, "error")
    .map((d) => d.message)
    .filter((m) => /\bguard\b/i.test(m));
  const overridden = infos
    .filter((d) => d.message.startsWith("streambus: guards overridden"))
    .map((d) => d.message);
  const notes = infos
    .filter((d) => /^streambus: (no plan of the data movement|guards not judged)/.test(d.message))
    .map((d) => d.message);
  return { plans, refusals, overridden, notes };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Why a run failed, in the engine's and the providers' words: the error diagnostics, without
 * the engine's closing "preview failed"/"update failed" when something more precise was said,
 * and without a provider's stack-trace lines.
 */
export function failureReasons(events: readonly StackEvent[], fallback?: string): string[] {
  const errors = diagnostics(events, "error").map((d) => d.message.replace(/^error: /, ""));
  const precise = errors.filter((m) => !/^(preview|update|refresh) failed$/.test(m));
  const reasons = [...new Set(precise.length > 0 ? precise : errors)];
  return reasons.length > 0 ? reasons : fallback ? [fallback] : [];
}
