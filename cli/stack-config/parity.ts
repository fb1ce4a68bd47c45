/**
 * One judgement of a target stack's config against its source's and the overlay, used twice:
 * `parity` reports every difference the overlay does not explain, `replicate` writes the config
 * that has none. A secret is compared by presence only (each stack has its own, encrypted with
 * its own key) and never copied: the target keeps its own, gets a generated one, or the operator
 * is told to set one.
 */
import { mergePatch, type Overlay } from "./overlay";

/** A stack's config as its `Pulumi.<stack>.yaml` holds it: key → value, secrets as `{secure: …}`. */
export type StackConfig = Record<string, unknown>;

/** One difference the overlay does not explain. */
export interface Difference {
  /** The config key and the path inside it: `streambus:retention.maxAge`. */
  path: string;
  kind: "value" | "missing" | "extra" | "secret-missing" | "secret-plaintext" | "secret-extra";
  /** What the source and the overlay make it (never a secret's value). */
  expected?: unknown;
  /** What the target has (never a secret's value). */
  actual?: unknown;
}

/** A secret value as Pulumi writes it into a stack's file. */
export function isSecure(v: unknown): v is { secure: string } {
  return (
    v !== null &&
    typeof v === "object" &&
    !Array.isArray(v) &&
    Object.keys(v).length === 1 &&
    typeof (v as { secure?: unknown }).secure === "string"
  );
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v) && !isSecure(v);
}

/** Whether `path` is one the overlay keeps, or under one. */
export function isKept(path: string, keep: readonly string[]): boolean {
  return keep.some((k) => path === k || path.startsWith(`${k}.`));
}

/** The config the target should have: the source's with the overlay's merge patch applied. */
export function expectedConfig(source: StackConfig, overlay: Overlay): StackConfig {
  return mergePatch(source, overlay.config) as StackConfig;
}

/** Every difference between the expected config and the target's, outside the kept paths. */
export function differences(
  expected: StackConfig,
  target: StackConfig,
  keep: readonly string[],
): Difference[] {
  const out: Difference[] = [];
  const walk = (e: Record<string, unknown>, a: Record<string, unknown>, prefix: string) => {
    for (const key of [...new Set([...Object.keys(e), ...Object.keys(a)])].sort()) {
      const path = prefix ? `${prefix}.${key}` : key;
      if (isKept(path, keep)) continue;
      const [ev, av] = [e[key], a[key]];
      if (isSecure(ev)) {
        if (av === undefined) out.push({ path, kind: "secret-missing" });
        else if (!isSecure(av)) out.push({ path, kind: "secret-plaintext" });
      } else if (isSecure(av)) {
        if (ev === undefined) out.push({ path, kind: "secret-extra" });
        else out.push({ path, kind: "value", expected: ev, actual: "[secret]" });
      } else if (isObject(ev) && isObject(av)) {
        walk(ev, av, path);
      } else if (av === undefined) {
        out.push({ path, kind: "missing", expected: ev });
      } else if (ev === undefined) {
        out.push({ path, kind: "extra", actual: av });
      } else if (JSON.stringify(ev) !== JSON.stringify(av)) {
        out.push({ path, kind: "value", expected: ev, actual: av });
      }
    }
  };
  walk(expected, target, "");
  return out;
}

/** One difference in words, naming both stacks. */
export function describeDifference(d: Difference, from: string, to: string): string {
  const v = (x: unknown) => JSON.stringify(x);
  switch (d.kind) {
    case "value":
      return `${d.path}: ${v(d.expected)} in ${from} (with the overlay), ${v(d.actual)} in ${to}`;
    case "missing":
      return `${d.path}: ${v(d.expected)} in ${from} (with the overlay), not set in ${to}`;
    case "extra":
      return `${d.path}: not in ${from} (with the overlay), ${v(d.actual)} in ${to}`;
    case "secret-missing":
      return `${d.path}: a secret in ${from}, not set in ${to} (set ${to}'s own: pulumi config set --secret ${configSetPath(d.path)} --stack ${to})`;
    case "secret-plaintext":
      return `${d.path}: a secret in ${from}, in plaintext in ${to} (set it again with --secret)`;
    case "secret-extra":
      return `${d.path}: a secret in ${to}, not in ${from} (with the overlay)`;
  }
}

/** `streambus:aws.ssh.key` → `--path streambus:aws.ssh.key`; a plain key as it is. */
function configSetPath(path: string): string {
  return path.includes(".") ? `--path ${path}` : path;
}

/** What replicate writes, and what is left for the secrets. */
export interface ReplicationPlan {
  /** The target's new config (its own secrets and kept paths included). */
  config: StackConfig;
  /** Secret keys to generate for the target (top-level keys only). */
  generate: string[];
  /** Secret paths the operator must set in the target. */
  operator: string[];
  /** Top-level keys whose value changes, is added or is removed. */
  changed: string[];
  removed: string[];
}

/**
 * The target's config after replication: the expected config, with the target's own value
 * wherever a path is kept, the target's own secret where it has one, and no secret of the source's.
 */
export function replicationPlan(
  expected: StackConfig,
  target: StackConfig,
  overlay: Overlay,
): ReplicationPlan {
  const generate: string[] = [];
  const operator: string[] = [];
  const fill = (e: unknown, a: unknown, path: string): unknown => {
    if (isKept(path, overlay.keep)) return a;
    if (isSecure(e)) {
      if (isSecure(a)) return a;
      const policy = overlay.secrets[path] ?? "operator";
      (policy === "generate" && !path.includes(".") ? generate : operator).push(path);
      return undefined;
    }
    if (isObject(e)) {
      const aObj = isObject(a) ? a : {};
      const keys = [
        ...new Set([
          ...Object.keys(e),
          ...Object.keys(aObj).filter((k) => isKept(`${path}.${k}`, overlay.keep)),
        ]),
      ];
      const out: Record<string, unknown> = {};
      for (const k of keys.sort()) {
        const v = fill(e[k], aObj[k], `${path}.${k}`);
        if (v !== undefined) out[k] = v;
      }
      return out;
    }
    return e;
  };
  const config: StackConfig = {};
  const keys = [
    ...new Set([...Object.keys(expected), ...Object.keys(target).filter((k) => isKept(k, overlay.keep))]),
  ];
  for (const key of keys.sort()) {
    const v = fill(expected[key], target[key], key);
    if (v !== undefined) config[key] = v;
  }
  const changed = keys.filter(
    (k) => config[k] !== undefined && JSON.stringify(config[k]) !== JSON.stringify(target[k]),
  );
  const removed = Object.keys(target).filter((k) => config[k] === undefined && !generate.includes(k));
  return { config, generate, operator, changed: changed.sort(), removed: removed.sort() };
}
