/**
 * The drift report: what a refresh in preview-only mode found different between the stack's
 * state and the live cluster, field by field, and the brokers the membership read found out of
 * step — members of the live cluster that no stack declares (unmanaged), and declared members
 * the cluster does not have.
 */
import { fieldChanges, formatValue, nameOf, shortType, type FieldChange } from "./changes";
import type { StackEvent, StackRun } from "./events";
import { failureReasons } from "./plan";

/** One resource whose live value differs from the state. */
export interface DriftedResource {
  name: string;
  type: string;
  urn: string;
  /** `changed`: fields differ; `gone`: the live object no longer exists. */
  kind: "changed" | "gone";
  /** `before` is the stack's state, `after` the live value. */
  fields: FieldChange[];
}

/** What the drift check found. */
export interface DriftReport {
  stack: string;
  /** The check itself ran to the end (every resource was read). */
  checked: boolean;
  /** Something differs: a drifted resource, an unmanaged member or a missing one. */
  drift: boolean;
  drifted: DriftedResource[];
  /** Live members no stack declares. */
  unmanaged: number[];
  /** Members the stack declares that the live cluster does not have. */
  missing: number[];
  /** Resources the check read. */
  resources: number;
  /** Why the check failed (empty when it did not). */
  failure: string[];
}

/** Outputs the membership provider adds; reported on their own, not as a field's drift. */
const MEMBERSHIP_EXTRAS = new Set(["unmanaged", "forcedGuards"]);

function numbers(v: unknown): number[] {
  return Array.isArray(v) ? v.filter((x): x is number => typeof x === "number") : [];
}

/** Reads the drift out of a `pulumi refresh --preview-only` run's events. */
export function driftReport(stack: string, run: StackRun): DriftReport {
  const drifted: DriftedResource[] = [];
  const unmanaged = new Set<number>();
  const missing = new Set<number>();
  let resources = 0;
  for (const e of run.events) {
    const meta = e.resOutputsEvent?.metadata;
    if (!meta || meta.type === "pulumi:pulumi:Stack" || meta.type.startsWith("pulumi:providers:")) continue;
    resources++;
    const type = shortType(meta.type);
    const oldOut = meta.old?.outputs ?? undefined;
    const newOut = meta.new?.outputs ?? undefined;
    if (type === "ClusterMembership" && newOut) {
      for (const id of numbers(newOut.unmanaged)) unmanaged.add(id);
      const live = new Set(numbers(newOut.brokers));
      for (const id of numbers(oldOut?.brokers)) if (!live.has(id)) missing.add(id);
    }
    if (meta.op === "delete") {
      drifted.push({ name: nameOf(meta.urn), type, urn: meta.urn, kind: "gone", fields: [] });
      continue;
    }
    if (meta.op !== "update") continue;
    const fields = fieldChanges(oldOut, newOut).filter(
      (f) => !(type === "ClusterMembership" && MEMBERSHIP_EXTRAS.has(f.path)),
    );
    // The membership's own drift is its broker set, reported as missing members below.
    if (type === "ClusterMembership" && fields.every((f) => f.path === "brokers") && missing.size > 0)
      continue;
    drifted.push({ name: nameOf(meta.urn), type, urn: meta.urn, kind: "changed", fields });
  }
  const failure = run.ok ? [] : failureReasons(run.events, run.error);
  const report = {
    stack,
    checked: run.ok,
    drifted,
    unmanaged: [...unmanaged].sort((a, b) => a - b),
    missing: [...missing].sort((a, b) => a - b),
    resources,
    failure,
  };
  return {
    ...report,
    drift: drifted.length > 0 || report.unmanaged.length > 0 || report.missing.length > 0,
  };
}

/** The report as `✓`/`✗` lines for people. */
export function driftLines(r: DriftReport): Array<{ ok: boolean; text: string }> {
  const lines: Array<{ ok: boolean; text: string }> = [];
  if (!r.checked) {
    lines.push({
      ok: false,
      text: `drift check of stack ${r.stack} failed: nothing can be said about drift`,
    });
    for (const reason of r.failure) lines.push({ ok: false, text: `  ${reason.split("\n")[0]}` });
    return lines;
  }
  for (const d of r.drifted) {
    if (d.kind === "gone") {
      lines.push({ ok: false, text: `${d.name} (${d.type}): gone from the live cluster` });
      continue;
    }
    const fields = d.fields.length
      ? d.fields
          .map(
            (f) =>
              `${f.path}: ${formatValue(d.type, f.path, f.before)} in the stack, ${formatValue(d.type, f.path, f.after)} live`,
          )
          .join("; ")
      : "differs (no declared field named)";
    lines.push({ ok: false, text: `${d.name} (${d.type}): ${fields}` });
  }
  if (r.unmanaged.length > 0)
    lines.push({
      ok: false,
      text: `unmanaged member${r.unmanaged.length > 1 ? "s" : ""} (live, declared by no stack): broker ${r.unmanaged.join(", ")}`,
    });
  if (r.missing.length > 0)
    lines.push({
      ok: false,
      text: `declared member${r.missing.length > 1 ? "s" : ""} the live cluster does not have: broker ${r.missing.join(", ")}`,
    });
  if (!r.drift)
    lines.push({
      ok: true,
      text: `no drift in stack ${r.stack}: ${r.resources} resources match the live cluster`,
    });
  return lines;
}

/** What a refresh was still reading when it was stopped, and where the cluster's brokers are. */
export interface UnderWay {
  /** Resources whose read began and did not end, as `name (Type)`. */
  reading: string[];
  /** The brokers' admin URLs the stack's resources hold (`adminUrls`), by broker id. */
  adminUrls: Record<string, string>;
  /** The CA certificates the resources hold, to reach TLS brokers with. */
  caCertificates: string[];
}

/** Reads from a refresh's events so far what it was waiting on: for `drift`'s deadline. */
export function underWay(events: readonly StackEvent[]): UnderWay {
  const started = new Map<string, string>();
  const adminUrls: Record<string, string> = {};
  const cas = new Set<string>();
  for (const e of events) {
    const pre = e.resourcePreEvent?.metadata;
    if (pre) {
      // The stack and the providers are not read from the cluster: only their URLs count.
      if (!pre.type.startsWith("pulumi:"))
        started.set(pre.urn, `${nameOf(pre.urn)} (${shortType(pre.type)})`);
      for (const state of [pre.old?.inputs, pre.old?.outputs]) {
        const urls = state?.adminUrls;
        if (urls && typeof urls === "object")
          for (const [id, url] of Object.entries(urls)) if (typeof url === "string") adminUrls[id] = url;
        const ca = state?.caCertificate;
        if (typeof ca === "string" && ca.includes("-----BEGIN CERTIFICATE-----")) cas.add(ca);
      }
    }
    const done = e.resOutputsEvent?.metadata;
    if (done) started.delete(done.urn);
  }
  return { reading: [...started.values()], adminUrls, caCertificates: [...cas] };
}
