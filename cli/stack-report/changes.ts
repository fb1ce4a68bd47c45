/**
 * What a preview will change, resource by resource and field by field, from the engine's
 * events. The dynamic providers answer `diff` with "changes" and no field list, so the fields
 * are found here by comparing the old and new inputs. Values are made safe to print first: a
 * secret is `[secret]` wherever it appears, an unknown value is `[unknown]`.
 */
import { formatBytes } from "../../procedures/common";
import { CONFIG_FIELDS, TOPIC_FIELDS } from "../../providers/settings-units";
import { formatPromDuration } from "../../common/units";
import type { StackEvent, StepMeta } from "./events";

/** What happens to a resource. */
export type ChangeKind = "create" | "update" | "replace" | "delete";

/** One field that changes: dotted path, the value before (state) and after (program or live). */
export interface FieldChange {
  path: string;
  before: unknown;
  after: unknown;
}

/** One resource that changes. */
export interface ResourceChange {
  kind: ChangeKind;
  urn: string;
  /** The resource's name (the URN's last part), e.g. `streambus-broker-4`. */
  name: string;
  /** The type's last part, e.g. `LocalBroker`, `Topic`. */
  type: string;
  /** The broker the resource belongs to (from a `broker-N` in its name), or null. */
  broker: number | null;
  fields: FieldChange[];
  /** Hidden fields that change too (`adminUrls`: a settings resource learns a new broker's URL). */
  hiddenChanged: string[];
}

/** The value Pulumi sends for a value not known until the update (an output of a new resource). */
export const UNKNOWN_SENTINEL = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
/** The signature key of a secret value in Pulumi's serialized property values. */
const SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d";
/** How a secret is shown, everywhere. */
export const SECRET = "[secret]";
/** How an unknown value is shown. */
export const UNKNOWN = "[unknown]";

/**
 * Fields never shown: the provider's serialized code, and the admin URLs every live-settings
 * resource carries (where to connect, not a setting; a new broker's URL is unknown at preview).
 */
const HIDDEN = new Set(["__provider", "adminUrls"]);

/** A value with every secret replaced by `[secret]` and every unknown by `[unknown]`. */
export function safeValue(value: unknown): unknown {
  if (value === UNKNOWN_SENTINEL) return UNKNOWN;
  if (Array.isArray(value)) return value.map(safeValue);
  if (value !== null && typeof value === "object") {
    if (SECRET_SIGNATURE in value) return SECRET;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, safeValue(v)]));
  }
  return value;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * The fields that differ between two property maps, by dotted path: objects are walked, any
 * other value (arrays included) is compared whole. `undefined` before means added, after removed.
 */
export function fieldChanges(
  before: Record<string, unknown> | null | undefined,
  after: Record<string, unknown> | null | undefined,
  prefix = "",
): FieldChange[] {
  const out: FieldChange[] = [];
  const keys = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])].sort();
  for (const key of keys) {
    if (prefix === "" && HIDDEN.has(key)) continue;
    const path = prefix ? `${prefix}.${key}` : key;
    const b = safeValue(before?.[key]);
    const a = safeValue(after?.[key]);
    if (isPlainObject(b) && isPlainObject(a)) out.push(...fieldChanges(b, a, path));
    else if (JSON.stringify(b) !== JSON.stringify(a)) out.push({ path, before: b, after: a });
  }
  return out;
}

/** The URN's last part: the resource's name. */
export function nameOf(urn: string): string {
  return urn.split("::").at(-1) ?? urn;
}

/** The type's last part: `pulumi-nodejs:dynamic/streambus:Topic` → `Topic`. */
export function shortType(type: string): string {
  return type.split(":").at(-1) ?? type;
}

/** The broker a resource belongs to, from its name (`streambus-broker-4`, `prod-broker-4-volume`). */
export function brokerOf(name: string): number | null {
  const m = /(?:^|-)broker-(\d+)(?:-|$)/.exec(name);
  return m ? Number(m[1]) : null;
}

/** Engine step operations, as the kind of change they are part of. */
const KINDS: Record<string, ChangeKind> = {
  create: "create",
  update: "update",
  delete: "delete",
  replace: "replace",
  "create-replacement": "replace",
  "delete-replaced": "replace",
};
const STRENGTH: Record<ChangeKind, number> = { update: 1, create: 2, delete: 2, replace: 3 };

function changeOf(meta: StepMeta, kind: ChangeKind): ResourceChange {
  const name = nameOf(meta.urn);
  const fields =
    kind === "delete"
      ? []
      : fieldChanges(kind === "create" ? undefined : meta.old?.inputs, meta.new?.inputs ?? meta.old?.inputs);
  const hiddenChanged =
    kind === "update" || kind === "replace"
      ? [...HIDDEN].filter(
          (k) =>
            k !== "__provider" &&
            JSON.stringify(safeValue(meta.old?.inputs?.[k])) !==
              JSON.stringify(safeValue(meta.new?.inputs?.[k])),
        )
      : [];
  const type = shortType(meta.type);
  // A topic's name is the user's (`broker-3-events`): never a broker's resource.
  const broker = type === "Topic" ? null : brokerOf(name);
  return { kind, urn: meta.urn, name, type, broker, fields, hiddenChanged };
}

/**
 * The resources a preview will create, update, replace or delete (one entry per resource: the
 * steps of a replacement are one "replace"), in the order the engine planned them.
 */
export function previewChanges(events: readonly StackEvent[]): ResourceChange[] {
  const byUrn = new Map<string, ResourceChange>();
  for (const e of events) {
    const meta = e.resourcePreEvent?.metadata;
    const kind = meta && KINDS[meta.op];
    // Provider resources change with the stack's config (a token, a broker count): not a resource of the cluster.
    if (!meta || !kind || meta.type.startsWith("pulumi:providers:")) continue;
    const seen = byUrn.get(meta.urn);
    if (seen && STRENGTH[seen.kind] >= STRENGTH[kind]) continue;
    // A replacement's own step carries both states; its create/delete halves one each.
    byUrn.set(meta.urn, changeOf(meta, kind));
  }
  return [...byUrn.values()];
}

/** Stack-side units of the resources' fields (milliseconds and bytes), by type. */
const UNITS: Record<string, Record<string, "bytes" | "ms">> = {
  ClusterConfig: Object.fromEntries(
    CONFIG_FIELDS.filter((f) => f.kind !== "boolean").map((f) => [
      f.key,
      f.kind === "bytes" ? "bytes" : "ms",
    ]),
  ),
  Topic: {
    ...Object.fromEntries(
      TOPIC_FIELDS.filter((f) => f.kind === "bytes" || f.kind === "ms").map((f) => [
        f.key,
        f.kind === "bytes" ? ("bytes" as const) : ("ms" as const),
      ]),
    ),
    timeoutMs: "ms",
  },
  ClusterMembership: { throttleBytesPerS: "bytes", timeoutMs: "ms" },
  RollingRestart: { timeoutMs: "ms" },
};

/** One value for people: sizes and durations in the stack's words, long text summarised. */
export function formatValue(type: string, path: string, value: unknown): string {
  if (value === undefined) return "(none)";
  if (value === SECRET || value === UNKNOWN) return value;
  const unit = UNITS[type]?.[path];
  if (typeof value === "number" && unit === "bytes") {
    return `${formatBytes(value)}${path.endsWith("PerS") ? "/s" : ""}`;
  }
  if (typeof value === "number" && unit === "ms") return formatPromDuration(value);
  if (typeof value === "string") {
    const lines = value.split("\n").length;
    if (lines > 1) return `(${lines} lines of text)`;
    return value.length > 120 ? `"${value.slice(0, 117)}…"` : JSON.stringify(value);
  }
  const text = JSON.stringify(value);
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}
