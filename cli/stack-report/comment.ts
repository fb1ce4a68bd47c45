/**
 * The pull-request comment for a preview: what is created, updated, replaced and deleted,
 * grouped by broker; for a change of the broker set the data it moves and any guard that refuses
 * it; settings as before → after. It stays under GitHub's 65,536-character limit however large
 * the change: in full when it fits, else summarised (brokers and topics with the same change
 * folded into one line), else cut at a line with a note saying so.
 */
import { formatBytes, formatDuration } from "../../procedures/common";
import { formatNote, formatOverride } from "../../procedures/records";
import { formatValue, previewChanges, type ChangeKind, type ResourceChange } from "./changes";
import type { StackRun } from "./events";
import { failureReasons, membershipFindings, type MembershipFindings, type MembershipPlan } from "./plan";
import { policyFindings, type PolicyFindings } from "./policy";

/** GitHub's limit on a comment's body, in characters. */
export const GITHUB_COMMENT_LIMIT = 65_536;
/** What the comment may use: under the limit by a margin (JavaScript counts UTF-16 units, ≥ characters). */
export const COMMENT_BUDGET = 65_000;

/** Everything the comment says. */
export interface PreviewReport {
  stack: string;
  ok: boolean;
  changes: ResourceChange[];
  /** Resources that stay as they are. */
  unchanged: number;
  membership: MembershipFindings;
  /** The policy packs' violations (none, and no packs, when the preview ran without `--policy-pack`). */
  policy: PolicyFindings;
  /** Why the preview failed (empty when it did not). */
  failure: string[];
}

/** The report of one preview run. */
export function previewReport(stack: string, run: StackRun): PreviewReport {
  const summary = run.events.find((e) => e.summaryEvent)?.summaryEvent;
  const policy = policyFindings(run.events);
  // The engine fails a preview with a mandatory violation; said here too, whatever its summary.
  const ok = run.ok && !policy.violations.some((v) => v.level === "mandatory");
  return {
    stack,
    ok,
    changes: previewChanges(run.events),
    unchanged: summary?.resourceChanges?.same ?? 0,
    membership: membershipFindings(run.events),
    policy,
    failure: ok ? [] : failureReasons(run.events, run.error ?? "preview failed"),
  };
}

const VERB: Record<ChangeKind, string> = {
  create: "create",
  update: "update",
  replace: "replace",
  delete: "delete",
};
const ORDER: ChangeKind[] = ["create", "update", "replace", "delete"];
const SETTINGS = new Set(["ClusterConfig", "ClusterQuotas"]);
const MAX_REASONS = 20;
const MAX_REASON_CHARS = 1_500;
const MAX_NAMES = 8;

/** A value in a table cell or a list: a code span with no pipe or backtick to break it. */
function code(text: string): string {
  return `\`${text.replace(/`/g, "'").replace(/\|/g, "\\|")}\``;
}

/** `[4, 5, 6, 9]` → `4–6, 9`. */
export function ranges(ids: readonly number[]): string {
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(j > i ? `${sorted[i]}–${sorted[j]}` : `${sorted[i]}`);
    i = j + 1;
  }
  return parts.join(", ");
}

function counts(changes: readonly ResourceChange[], unchanged: number): string {
  const parts = ORDER.map((k) => [k, changes.filter((c) => c.kind === k).length] as const)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} to ${VERB[k]}`);
  return `${parts.length > 0 ? `**${parts.join(", ")}**` : "**no changes**"} · ${unchanged} unchanged`;
}

function head(report: PreviewReport): string[] {
  const lines = [`### StreamBus preview of stack ${code(report.stack)}`, ""];
  if (!report.ok) {
    // A guard's refusal is shown under the membership, whole (it is not among the failure's
    // reasons: see failureReasons), and a policy's under the policy packs; here only the other
    // reasons (the engine's bare "preview failed" says nothing more).
    const refusedBy = [
      report.membership.refusals.length > 0 ? "a guard refuses the change of the broker set" : "",
      report.policy.violations.some((v) => v.level === "mandatory") ? "a mandatory policy is violated" : "",
    ].filter(Boolean);
    const reasons = report.failure.filter(
      (r) => !(refusedBy.length > 0 && /^(error: )?preview failed$/.test(r)),
    );
    lines.push(
      reasons.length > 0 || refusedBy.length === 0
        ? "**The preview failed.** Nothing would be changed until this is fixed:"
        : `**The preview failed:** ${refusedBy.join(", and ")} (below).`,
      "",
    );
    for (const reason of reasons.slice(0, MAX_REASONS)) {
      const text = reason.length > MAX_REASON_CHARS ? `${reason.slice(0, MAX_REASON_CHARS)}…` : reason;
      lines.push("```", text.replace(/```/g, "'''"), "```");
    }
    if (reasons.length > MAX_REASONS)
      lines.push(`(and ${reasons.length - MAX_REASONS} more errors: run \`pulumi preview\` for all)`);
    if (reasons.length > 0) lines.push("");
    if (report.changes.length > 0)
      lines.push(`Planned before the preview stopped: ${counts(report.changes, report.unchanged)}`, "");
    return lines;
  }
  lines.push(counts(report.changes, report.unchanged), "");
  return lines;
}

/**
 * How a plan was made, said once: the provider's own words when its record carries them (which
 * brokers have not registered, how the estimate spread the data), else the method's sentence.
 */
function planBasis(plan: MembershipPlan["plan"]): string {
  if (plan.method === "dry_run") return `the cluster's own dry-run plan onto brokers ${ranges(plan.targets)}`;
  const basis = plan.basis?.replace(/^estimate: /, "");
  return basis
    ? `an estimate: ${basis}`
    : "an estimate (brokers to add have not registered, so the cluster cannot plan onto them yet)";
}

function membershipLines(m: MembershipFindings): string[] {
  if (m.plans.length === 0 && m.refusals.length === 0 && m.overridden.length === 0 && m.notes.length === 0)
    return [];
  const lines: string[] = [];
  for (const { plan } of m.plans) {
    const what = [
      plan.add.length > 0 ? `adds broker${plan.add.length > 1 ? "s" : ""} ${ranges(plan.add)}` : "",
      plan.remove.length > 0
        ? `removes broker${plan.remove.length > 1 ? "s" : ""} ${ranges(plan.remove)}`
        : "",
    ].filter(Boolean);
    lines.push(
      `#### Membership: brokers [${ranges(plan.from)}] → [${ranges(plan.to)}]${what.length ? ` (${what.join(", ")})` : ""}`,
      "",
    );
    const about = plan.method === "estimate" ? "about " : "";
    const time =
      plan.estimated_seconds === null
        ? "time unknown (no `streambus:rebalance.throttle`: the cluster's default throttle applies)"
        : `about ${formatDuration(plan.estimated_seconds * 1000)} at ${formatBytes(plan.throttle_bytes_per_s ?? 0)}/s per move, ` +
          `${plan.max_concurrent_moves ?? "the cluster's default number of"} moves at once`;
    lines.push(`- **${about}${plan.moves} partition moves, ${formatBytes(plan.bytes)}** to copy; ${time}`);
    lines.push(
      `- ${planBasis(plan)}` +
        (plan.receivers.length > 0 ? `; receiving: brokers ${ranges(plan.receivers)}` : ""),
    );
    lines.push("");
  }
  if (m.refusals.length > 0) {
    for (const r of m.refusals.slice(0, MAX_REASONS)) {
      lines.push(
        r.from && r.to
          ? `#### Membership: brokers [${ranges(r.from)}] → [${ranges(r.to)}] refused by a guard`
          : "#### Membership: refused by a guard",
        "",
        `\`pulumi up\` would stop before changing anything (refusing to ${r.what}):`,
        "",
      );
      for (const g of r.failures)
        lines.push(`- guard ${code(g.guard)}: ${g.message.slice(0, MAX_REASON_CHARS).replace(/\n+/g, " ")}`);
      lines.push("", `${r.override[0]!.toUpperCase()}${r.override.slice(1)}.`, "");
    }
  } else if (m.plans.length > 0) {
    lines.push("Guards: none refuses this change.", "");
  }
  for (const o of m.overridden) lines.push(`- ⚠️ ${formatOverride(o)}`);
  for (const n of m.notes) lines.push(`- ${formatNote(n)}`);
  if (m.overridden.length + m.notes.length > 0) lines.push("");
  return lines;
}

/** The fields of a local broker whose change rewrites its files on its machine: read only at its next start. */
const READ_AT_START = new Set(["config", "tlsCertificate"]);

/**
 * What a changed `configHash` of the rolling restart means, said once: the hash covers every
 * declared broker's config file, so it changes when a broker is added or removed too, while the
 * rolling restart (`providers/rolling-restart.ts`) restarts only the brokers whose own file was
 * rewritten (a new broker starts with its file; a removed one is drained and goes). On kubernetes
 * the hash is on the StatefulSet's pod template, and a new one rolls every pod. Empty when no
 * hash changes.
 */
export function restartLines(changes: readonly ResourceChange[]): string[] {
  // Kubernetes: one config file for every pod, its hash on the pod template; a new hash rolls them all.
  const rolled = changes.find(
    (c) =>
      c.type === "StatefulSet" &&
      c.kind === "update" &&
      c.fields.some((f) => /\.streambus\.io\/(config|tls)-hash$/.test(f.path)),
  );
  if (rolled !== undefined) {
    const what = rolled.fields
      .filter((f) => /\.streambus\.io\/(config|tls)-hash$/.test(f.path))
      .map((f) => `\`${f.path.split(".").slice(-2).join(".")}\``)
      .join(" and ");
    return [
      "#### Broker restarts",
      "",
      `**Every broker pod restarts**, one at a time: the ${what} of ${code(rolled.name)}'s pod template changes ` +
        "(the brokers' config file or certificates, read at start), and the StatefulSet's rolling update " +
        "replaces its pods from the highest ordinal down, each once the one before is ready.",
      "",
    ];
  }
  const restart = changes.find(
    (c) =>
      c.type === "RollingRestart" && c.kind === "update" && c.fields.some((f) => f.path === "configHash"),
  );
  if (restart === undefined) return [];
  const brokers = changes.filter((c) => c.type === "LocalBroker" && c.broker !== null);
  const rewritten = brokers
    .filter((c) => c.kind === "update" && c.fields.some((f) => READ_AT_START.has(f.path)))
    .map((c) => c.broker!);
  const added = brokers.filter((c) => c.kind === "create").map((c) => c.broker!);
  const removed = brokers.filter((c) => c.kind === "delete").map((c) => c.broker!);
  const plural = (ids: number[]) => `broker${ids.length > 1 ? "s" : ""} ${ranges(ids)}`;
  const why = [
    added.length > 0
      ? `${plural(added)} ${added.length > 1 ? "are" : "is"} added (a new broker starts with its file)`
      : "",
    removed.length > 0 ? `${plural(removed)} ${removed.length > 1 ? "are" : "is"} removed` : "",
  ].filter(Boolean);
  const lines = ["#### Broker restarts", ""];
  if (rewritten.length === 0) {
    lines.push(
      `**No broker restarts.** \`configHash\` covers every broker's config file` +
        (why.length > 0 ? `; it changes here because ${why.join(" and ")}` : "") +
        ". No running broker's own file changes, and the rolling restart restarts only those whose file was rewritten.",
    );
  } else {
    lines.push(
      `**${plural(rewritten)} restart${rewritten.length > 1 ? "" : "s"}**, one at a time: ` +
        `${rewritten.length > 1 ? "their" : "its"} config file changes, and a broker reads it only at start. ` +
        "Followers first and the leader last, each once the cluster is healthy, has one leader and every partition is in sync again." +
        (why.length > 0 ? ` (\`configHash\` also changes because ${why.join(" and ")}.)` : ""),
    );
  }
  lines.push("");
  return lines;
}

/** The policy packs' verdict: each violation on a line, mandatory ones (which fail the preview) first. */
function policyLines(p: PolicyFindings): string[] {
  if (p.packs.length === 0) return [];
  const packs = p.packs.map(code).join(", ");
  const mandatory = p.violations.filter((v) => v.level === "mandatory").length;
  const advisory = p.violations.length - mandatory;
  if (p.violations.length === 0) return [`#### Policy packs: ${packs} passed`, ""];
  const counted = [
    mandatory > 0 ? `${mandatory} mandatory violation${mandatory > 1 ? "s" : ""}` : "",
    advisory > 0 ? `${advisory} warning${advisory > 1 ? "s" : ""}` : "",
  ].filter(Boolean);
  const lines = [`#### Policy packs: ${packs}: ${counted.join(", ")}`, ""];
  for (const v of p.violations.slice(0, MAX_REASONS)) {
    const where = v.resource ? ` on ${code(v.resource)}${v.type ? ` (${v.type})` : ""}` : "";
    // The pack's messages start with the resource's name, said already.
    const said =
      v.resource && v.message.startsWith(`${v.resource}: `)
        ? v.message.slice(v.resource.length + 2)
        : v.message;
    const text = said.length > MAX_REASON_CHARS ? `${said.slice(0, MAX_REASON_CHARS)}…` : said;
    lines.push(
      `- ${v.level === "mandatory" ? "❌ **mandatory**" : "⚠️ advisory"} ${code(v.policy)}${where}: ${text}`,
    );
  }
  if (p.violations.length > MAX_REASONS)
    lines.push(
      `- (and ${p.violations.length - MAX_REASONS} more: run \`pulumi preview --policy-pack …\` for all)`,
    );
  lines.push("");
  return lines;
}

function fieldTable(c: ResourceChange): string[] {
  if (c.fields.length === 0) return [];
  const rows = c.fields.map((f) =>
    c.kind === "create"
      ? `| ${code(f.path)} | | ${code(formatValue(c.type, f.path, f.after))} |`
      : `| ${code(f.path)} | ${code(formatValue(c.type, f.path, f.before))} | ${code(formatValue(c.type, f.path, f.after))} |`,
  );
  return ["| field | before | after |", "| --- | --- | --- |", ...rows, ""];
}

/** Said of a change whose only fields are hidden ones. */
function hiddenOnly(c: ResourceChange): string {
  return c.fields.length === 0 && c.hiddenChanged.length > 0
    ? ` — only its ${c.hiddenChanged.join(", ")} (where it reaches the brokers) change${c.hiddenChanged.length > 1 ? "" : "s"}`
    : "";
}

function resourceFull(c: ResourceChange): string[] {
  return [
    `- **${VERB[c.kind]}** ${code(c.name)} (${c.type})${hiddenOnly(c)}`,
    ...(c.fields.length ? ["", ...fieldTable(c)] : []),
  ];
}

function section(title: string, body: string[]): string[] {
  return body.length === 0 ? [] : [`#### ${title}`, "", ...body, ""];
}

function groups(changes: readonly ResourceChange[]) {
  const brokers = new Map<number, ResourceChange[]>();
  for (const c of changes.filter((c) => c.broker !== null)) {
    brokers.set(c.broker!, [...(brokers.get(c.broker!) ?? []), c]);
  }
  const rest = changes.filter((c) => c.broker === null);
  return {
    brokers: [...brokers.entries()].sort(([a], [b]) => a - b),
    settings: rest.filter((c) => SETTINGS.has(c.type)),
    topics: rest.filter((c) => c.type === "Topic"),
    others: rest.filter((c) => !SETTINGS.has(c.type) && c.type !== "Topic"),
  };
}

/** Every resource and every field. */
function fullBody(changes: readonly ResourceChange[]): string[] {
  const g = groups(changes);
  return [
    ...section(
      "Brokers",
      g.brokers.flatMap(([id, cs]) => [`**broker ${id}**`, "", ...cs.flatMap(resourceFull)]),
    ),
    ...section("Cluster settings", g.settings.flatMap(resourceFull)),
    ...section("Topics", g.topics.flatMap(resourceFull)),
    ...section("Other resources", g.others.flatMap(resourceFull)),
  ];
}

function fieldsInWords(c: ResourceChange): string {
  if (c.kind === "create" || c.kind === "delete") return "";
  if (c.fields.length === 0) return hiddenOnly(c);
  return `: ${c.fields
    .map(
      (f) => `${f.path} ${formatValue(c.type, f.path, f.before)} → ${formatValue(c.type, f.path, f.after)}`,
    )
    .join("; ")}`;
}

function names(list: readonly string[]): string {
  const shown = list.slice(0, MAX_NAMES).map(code).join(", ");
  return list.length > MAX_NAMES ? `${shown}, … (${list.length - MAX_NAMES} more)` : shown;
}

/** Resources with the same change folded into one line each. */
function summaryBody(changes: readonly ResourceChange[]): string[] {
  const g = groups(changes);
  const byBrokerShape = new Map<string, number[]>();
  for (const [id, cs] of g.brokers) {
    const shape = cs
      .map((c) => `${VERB[c.kind]} ${c.type}${fieldsInWords(c)}`)
      .sort()
      .join(", ");
    byBrokerShape.set(shape, [...(byBrokerShape.get(shape) ?? []), id]);
  }
  const brokerLines = [...byBrokerShape.entries()].map(
    ([shape, ids]) =>
      `- ${ids.length > 1 ? `brokers ${ranges(ids)} (${ids.length})` : `broker ${ids[0]}`}: ${shape}`,
  );
  const folded = (cs: readonly ResourceChange[]) => {
    const byShape = new Map<string, string[]>();
    for (const c of cs) {
      const shape = `**${VERB[c.kind]}** ${c.type}${fieldsInWords(c)}`;
      byShape.set(shape, [...(byShape.get(shape) ?? []), c.name]);
    }
    return [...byShape.entries()].map(
      ([shape, list]) => `- ${shape} — ${list.length}: ${names(list.sort())}`,
    );
  };
  return [
    ...section("Brokers", brokerLines),
    ...section("Cluster settings", g.settings.flatMap(resourceFull)),
    ...section("Topics", folded(g.topics)),
    ...section("Other resources", folded(g.others)),
  ];
}

/**
 * The comment's Markdown: in full when it fits {@link COMMENT_BUDGET}, else summarised, else the
 * summary cut at a line with a note. The head (counts, failure, membership plan and guards, the
 * policy packs' violations) always stays.
 */
export function renderPreviewComment(report: PreviewReport, budget = COMMENT_BUDGET): string {
  const top = [
    ...head(report),
    ...membershipLines(report.membership),
    ...restartLines(report.changes),
    ...policyLines(report.policy),
  ];
  const full = [...top, ...fullBody(report.changes)].join("\n");
  if (full.length <= budget) return full;
  const summaryNote = "_Summarised: resources with the same change are folded into one line._";
  const summary = [...top, summaryNote, "", ...summaryBody(report.changes)].join("\n");
  if (summary.length <= budget) return summary;
  const lines = [...top, summaryNote, "", ...summaryBody(report.changes)];
  const note = (cut: number) =>
    `\n\n_…${cut} more lines cut to stay under GitHub's ${GITHUB_COMMENT_LIMIT.toLocaleString("en")}-character limit: ` +
    `\`pulumi preview --diff --stack ${report.stack}\` shows everything._`;
  // Line by line from the top: the head comes first, so it stays unless it alone is too long.
  let kept = 0;
  let length = -1;
  const room = budget - note(lines.length).length;
  while (kept < lines.length && length + 1 + lines[kept]!.length <= room) {
    length += 1 + lines[kept]!.length;
    kept++;
  }
  return lines.slice(0, kept).join("\n") + note(lines.length - kept);
}
