/**
 * The one mapping between the stack's units and the admin API's, for every live setting:
 * the stack says `retention.maxAge` in milliseconds (parsed from `7d`) and `retention.maxBytes`
 * in bytes (from `100GB`), camelCase; the contract says `retention.max_age_s` in seconds and
 * `retention.max_bytes`, snake_case. Writes go through {@link toContract}, reads through
 * {@link fromContract}, and both take only the fields the stack declares, so a value the
 * broker adds, defaults or echoes never reaches a diff.
 */

/** One setting: where it lives in the stack (and the resource's inputs) and in the contract. */
export interface FieldMapping {
  /** Dotted path in stack units, e.g. `retention.maxAge` (milliseconds). */
  readonly key: string;
  /** Dotted path in the contract's body, e.g. `retention.max_age_s`. */
  readonly contract: string;
  /** The kind of value, for the input check. */
  readonly kind: "bytes" | "ms" | "seconds" | "count" | "boolean" | "policy";
}

/** `GET`/`PUT /admin/config`: the cluster's dynamic configuration. */
export const CONFIG_FIELDS: readonly FieldMapping[] = [
  { key: "retention.maxBytes", contract: "retention.max_bytes", kind: "bytes" },
  { key: "retention.maxAge", contract: "retention.max_age_s", kind: "seconds" },
  { key: "compaction.enabled", contract: "compaction.enabled", kind: "boolean" },
  { key: "compaction.interval", contract: "compaction.interval_s", kind: "seconds" },
  { key: "compaction.targetSize", contract: "compaction.target_size_bytes", kind: "bytes" },
  { key: "storage.flushInterval", contract: "storage.flush_interval_ms", kind: "ms" },
  { key: "network.compression", contract: "network.compression", kind: "boolean" },
];

/** One quota entry (`default` or a client's): messages per second; a missing rate has no limit. */
export const QUOTA_FIELDS: readonly FieldMapping[] = [
  { key: "produceRate", contract: "produce_rate", kind: "count" },
  { key: "consumeRate", contract: "consume_rate", kind: "count" },
];

/** `PUT /admin/topics/{name}` and one topic of `GET /admin/topics`. */
export const TOPIC_FIELDS: readonly FieldMapping[] = [
  { key: "partitions", contract: "partitions", kind: "count" },
  { key: "replicationFactor", contract: "replication_factor", kind: "count" },
  { key: "cleanupPolicy", contract: "config.cleanup_policy", kind: "policy" },
  { key: "retention.maxBytes", contract: "config.retention_bytes", kind: "bytes" },
  { key: "retention.maxAge", contract: "config.retention_ms", kind: "ms" },
];

type Tree = Record<string, unknown>;

/** The value at a dotted path, or undefined. */
export function getPath(tree: unknown, path: string): unknown {
  let value: unknown = tree;
  for (const part of path.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Tree)[part];
  }
  return value;
}

/** Sets a dotted path in `tree`, creating the objects on the way (each object on the way is copied). */
export function setPath(tree: Tree, path: string, value: unknown): void {
  const parts = path.split(".");
  let node = tree;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    node[part] = next !== null && typeof next === "object" ? { ...(next as Tree) } : {};
    node = node[part] as Tree;
  }
  node[parts[parts.length - 1]!] = value;
}

/** Stack value → contract value: milliseconds become whole seconds where the contract counts seconds. */
function valueToContract(field: FieldMapping, value: unknown): unknown {
  return field.kind === "seconds" && typeof value === "number" ? value / 1000 : value;
}

/** Contract value → stack value. */
export function valueFromContract(field: FieldMapping, value: unknown): unknown {
  return field.kind === "seconds" && typeof value === "number" ? value * 1000 : value;
}

/** The fields `declared` holds a value for (undefined and null are "not declared"). */
export function declaredFields(fields: readonly FieldMapping[], declared: unknown): FieldMapping[] {
  return fields.filter((f) => getPath(declared, f.key) !== undefined && getPath(declared, f.key) !== null);
}

/**
 * The contract body to write: `base` (what the cluster holds now, for the calls that replace a
 * whole object; `{}` otherwise) with each declared field set in the contract's units. `base` is
 * copied, never changed, and `stale` is dropped: it belongs to a read, not to the settings.
 */
export function toContract(fields: readonly FieldMapping[], declared: unknown, base: Tree = {}): Tree {
  const { stale: _stale, ...rest } = base;
  const out: Tree = structuredClone(rest);
  for (const field of declaredFields(fields, declared)) {
    setPath(out, field.contract, valueToContract(field, getPath(declared, field.key)));
  }
  return out;
}

/**
 * What the cluster holds for the declared fields, in stack units and the stack's shape: a
 * field the stack does not declare is left out whatever the broker says. A declared field the
 * cluster lacks comes back as `null`, so that the diff sees it.
 */
export function fromContract(fields: readonly FieldMapping[], live: unknown, declared: unknown): Tree {
  const out: Tree = {};
  for (const field of declaredFields(fields, declared)) {
    const value = getPath(live, field.contract);
    setPath(out, field.key, value === undefined ? null : valueFromContract(field, value));
  }
  return out;
}

/**
 * The stack keys whose declared value differs between `olds` and `news`: a field declared in
 * either counts (one dropped from the stack goes back to the cluster's default, a change too).
 */
export function changedKeys(fields: readonly FieldMapping[], olds: unknown, news: unknown): string[] {
  return fields
    .filter((f) => {
      const [a, b] = [getPath(olds, f.key) ?? null, getPath(news, f.key) ?? null];
      return !sameValue(a, b);
    })
    .map((f) => f.key);
}

/** Why a declared value cannot be sent as the contract wants it, or undefined when it can. */
export function badValue(field: FieldMapping, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  switch (field.kind) {
    case "boolean":
      return typeof value === "boolean" ? undefined : `must be true or false: got ${JSON.stringify(value)}`;
    case "policy":
      return value === "delete" || value === "compact"
        ? undefined
        : `must be "delete" or "compact": got ${JSON.stringify(value)}`;
    case "seconds":
      if (!Number.isSafeInteger(value) || (value as number) <= 0 || (value as number) % 1000 !== 0)
        return `must be a whole number of seconds above zero (the admin API keeps it in seconds): got ${JSON.stringify(value)} ms`;
      return undefined;
    case "count":
    case "bytes":
    case "ms":
      return Number.isSafeInteger(value) && (value as number) >= 0
        ? undefined
        : `must be a whole number, at least 0: got ${JSON.stringify(value)}`;
  }
}

/** JSON with object keys sorted: the same settings compare equal whatever order a writer used. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Tree).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** Whether two values are the same settings (key order aside). */
export function sameValue(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}
