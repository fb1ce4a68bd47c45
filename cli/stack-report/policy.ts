/**
 * The policy packs' verdicts in a preview run with `--policy-pack`: the engine sends one
 * `policyEvent` per violation (its message is the policy's description, then what the policy
 * reported) and a `policyAnalyzeSummaryEvent` per resource it judged, so a pack that ran and
 * found nothing is known too.
 */
import { nameOf, shortType } from "./changes";
import type { StackEvent } from "./events";

/** One policy violation, as the comment shows it. */
export interface PolicyViolation {
  /** The pack and its version: `streambus@v0.1.0`. */
  pack: string;
  /** The policy's name: `prod-cluster-size`. */
  policy: string;
  /** `mandatory` fails the preview; anything else (`advisory`) is a warning. */
  level: "mandatory" | "advisory";
  /** The resource's name, or undefined for a policy on the whole stack. */
  resource: string | undefined;
  /** The resource's type's last part (`ClusterMembership`). */
  type: string | undefined;
  /** What the policy reported (its description when it reported nothing more). */
  message: string;
}

/** What the policy packs said of a preview. */
export interface PolicyFindings {
  /** The packs that judged the resources, as `name@vVersion`. */
  packs: string[];
  /** Mandatory violations first, in the engine's order within each level. */
  violations: PolicyViolation[];
}

const packOf = (e: { policyPackName: string; policyPackVersion?: string }) =>
  e.policyPackVersion ? `${e.policyPackName}@v${e.policyPackVersion}` : e.policyPackName;

/** The policy packs' findings among a run's events (none when no pack ran). */
export function policyFindings(events: readonly StackEvent[]): PolicyFindings {
  const packs = new Set<string>();
  const violations: PolicyViolation[] = [];
  for (const e of events) {
    if (e.policyAnalyzeSummaryEvent) packs.add(packOf(e.policyAnalyzeSummaryEvent));
    const p = e.policyEvent;
    if (!p) continue;
    packs.add(packOf(p));
    // The first line is the policy's description; what it reported follows, when it did.
    const lines = p.message.trim().split("\n");
    const urn = p.resourceUrn || undefined;
    const type = urn?.split("::")[2]?.split("$").at(-1);
    violations.push({
      pack: packOf(p),
      policy: p.policyName,
      level: p.enforcementLevel === "mandatory" ? "mandatory" : "advisory",
      resource: urn && nameOf(urn),
      type: type && shortType(type),
      message: (lines.length > 1 ? lines.slice(1) : lines).join(" ").trim(),
    });
  }
  const rank = (v: PolicyViolation) => (v.level === "mandatory" ? 0 : 1);
  return { packs: [...packs], violations: violations.sort((a, b) => rank(a) - rank(b)) };
}
