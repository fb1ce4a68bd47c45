import type { z } from "zod";
import { stackConfigSchema } from "./config-schema";

/**
 * The one formatter of the stack config's problems: every line names the key
 * (`streambus:retention.maxAge`), what is expected, what was given (secrets hidden) and an example
 * fix (`pulumi config set ...`). zod's own English ("Invalid input: expected object, received
 * string") never reaches a user: an issue without a message of ours is said here from its fields.
 */

/** The project's config namespace: keys are `streambus:<key>`. */
export const CONFIG_NAMESPACE = "streambus";

type Node = z.core.$ZodType;
interface Def {
  type: string;
  innerType?: Node;
  in?: Node;
  shape?: Record<string, Node>;
  element?: Node;
  valueType?: Node;
  options?: Node[];
  entries?: Record<string, unknown>;
  defaultValue?: unknown;
}
const defOf = (node: Node): Def => node._zod.def as unknown as Def;

/** A value an example command gives as it is (a file read by the shell, a placeholder). */
class Verbatim {
  constructor(readonly text: string) {}
}

/**
 * Examples of the keys that have no default, by their pattern (`[]` an element of a list, `*` a
 * key of a map). Keys with a default take it as their example.
 */
const EXAMPLES: Record<string, unknown> = {
  platform: "local",
  adminToken: new Verbatim("<token>"),
  sshPrivateKey: new Verbatim('-- "$(cat key.pem)"'),
  "local.controlUrl": "http://127.0.0.1:7070",
  "local.outputDir": ".streambus/local",
  "topics[].name": "events",
  "topics[].partitions": 12,
  "topics[].retention.maxBytes": "10GB",
  "topics[].retention.maxAge": "3d",
  "quotas.default.produceRate": 10000,
  "quotas.default.consumeRate": 20000,
  "quotas.clients.*.produceRate": 5000,
  "quotas.clients.*.consumeRate": 5000,
  "adminEndpoints.*": "https://127.0.0.1:18080",
  "tls.enabled": true,
  "tls.caCertificate": new Verbatim('-- "$(cat ca.pem)"'),
  "tls.caKey": new Verbatim('-- "$(cat ca.key)"'),
  "backup.bucketPrefix": "streambus-prod",
  "backup.kmsKeyArn": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
  "aws.region": "us-east-1",
  "aws.vpcId": "vpc-0abc12",
  "aws.subnets[].id": "subnet-0abc12",
  "aws.subnets[].availabilityZone": "us-east-1a",
  "aws.ami": "ami-0abc1234def567890",
  "aws.clientCidrs[]": "10.0.0.0/16",
  "aws.operatorCidrs[]": "10.20.0.0/24",
  "aws.ssh.keyName": "streambus",
  "aws.ssh.proxyHost": "bastion.internal",
  "aws.prometheusWorkspaceId": "ws-1234abcd-12ab-34cd-56ef-1234567890ab",
  "aws.tags.*": "platform",
  "kubernetes.image": "ghcr.io/streambus/broker:1.4.2",
  "kubernetes.storageClass": "gp3",
  "kubernetes.adminAccess.cidrs[]": "10.20.0.0/24",
};

/** Keys whose value is a secret: never shown, set with `--secret`. */
const SECRET_KEYS = new Set(["adminToken", "sshPrivateKey"]);

/** Whether the key at `path` holds a secret (`adminToken`, `sshPrivateKey`, `tls.caKey`). */
export function isSecretPath(path: ReadonlyArray<PropertyKey>): boolean {
  if (typeof path[0] === "string" && SECRET_KEYS.has(path[0])) return true;
  return path[0] === "tls" && path[1] === "caKey";
}

/** `["aws", "subnets", 1, "id"]` → `streambus:aws.subnets[1].id`. */
export function formatKey(path: ReadonlyArray<PropertyKey>): string {
  let key = "";
  for (const segment of path) {
    key += typeof segment === "number" ? `[${segment}]` : `${key === "" ? "" : "."}${String(segment)}`;
  }
  return `${CONFIG_NAMESPACE}:${key === "" ? "<root>" : key}`;
}

/** The value at `path` of the raw config, or undefined. */
export function valueAt(raw: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let value: unknown = raw;
  for (const segment of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  return value;
}

/** What was given, for a message: JSON, cut at 80 characters; a secret never. */
export function describeValue(path: ReadonlyArray<PropertyKey>, value: unknown): string {
  if (isSecretPath(path)) return "(value hidden)";
  if (value === undefined) return "nothing (the key is missing)";
  const json = JSON.stringify(value);
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

/** A node's wrappers (optional, default, pipe) down to its core, and the default met on the way. */
function unwrap(node: Node | undefined): { core: Node | undefined; fallback: unknown } {
  let current = node;
  let fallback: unknown;
  for (let i = 0; i < 10 && current !== undefined; i++) {
    const def = defOf(current);
    if ((def.type === "default" || def.type === "prefault") && fallback === undefined)
      fallback = def.defaultValue;
    if (def.innerType !== undefined) current = def.innerType;
    else if (def.type === "pipe" && def.in !== undefined) current = def.in;
    else break;
  }
  return { core: current, fallback };
}

/** The schema at `path` and the path's pattern (`topics[].name`, `quotas.clients.*`). */
function walk(path: ReadonlyArray<PropertyKey>): { node: Node | undefined; pattern: string } {
  let node: Node | undefined = stackConfigSchema;
  let pattern = "";
  for (const segment of path) {
    const core: Node | undefined = unwrap(node).core;
    let def: Def | undefined = core && defOf(core);
    if (def?.type === "union") {
      // `brokers`: a count or a list; the list is the one with elements.
      const lists: Def[] = (def.options ?? []).flatMap((option: Node) => {
        const inner = unwrap(option).core;
        return inner !== undefined && defOf(inner).type === "array" ? [defOf(inner)] : [];
      });
      def = typeof segment === "number" ? lists[0] : undefined;
    }
    if (def?.type === "object") {
      node = def.shape?.[String(segment)];
      pattern += `${pattern === "" ? "" : "."}${String(segment)}`;
    } else if (def?.type === "array") {
      node = def.element;
      pattern += "[]";
    } else if (def?.type === "record") {
      node = def.valueType;
      pattern += ".*";
    } else return { node: undefined, pattern: `${pattern}?` };
  }
  return { node, pattern };
}

/** The keys a block at `path` allows, for "unknown key" messages. */
export function allowedKeysAt(path: ReadonlyArray<PropertyKey>): string[] {
  const { core } = unwrap(walk(path).node);
  const def = core && defOf(core);
  return def?.type === "object" ? Object.keys(def.shape ?? {}) : [];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) && !(value instanceof Verbatim);
}

/** A default worth showing: not an empty block or list. */
function useful(value: unknown): boolean {
  if (value === undefined) return false;
  if (Array.isArray(value)) return value.length > 0;
  return !isPlainObject(value) || Object.keys(value).length > 0;
}

/**
 * An example value of the key at `path`: from the table, else its default, else the parent
 * block's default at this key, else built from the block's own keys (its required ones, or its
 * first) or the list's first element.
 */
export function exampleAt(path: ReadonlyArray<PropertyKey>, depth = 0): unknown {
  const { node, pattern } = walk(path);
  if (pattern in EXAMPLES) return EXAMPLES[pattern];
  const { core, fallback } = unwrap(node);
  if (useful(fallback)) return fallback;
  if (path.length > 0) {
    const parent = unwrap(walk(path.slice(0, -1)).node).fallback;
    const inParent = valueAt(parent, path.slice(-1));
    if (useful(inParent)) return inParent;
  }
  const def = core && defOf(core);
  if (def === undefined || depth > 4) return undefined;
  if (def.type === "object") {
    const shape = def.shape ?? {};
    const keys = Object.keys(shape);
    const required = keys.filter((k) => shape[k]?._zod.optin === undefined);
    const out: Record<string, unknown> = {};
    for (const key of required.length > 0 ? required : keys) {
      const value = exampleAt([...path, key], depth + 1);
      if (value !== undefined) out[key] = value;
      if (required.length === 0 && value !== undefined) break;
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }
  if (def.type === "array") {
    const element = exampleAt([...path, 0], depth + 1);
    return element === undefined ? undefined : [element];
  }
  if (def.type === "enum") return Object.values(def.entries ?? {})[0];
  if (def.type === "boolean") return true;
  return undefined;
}

/** A word for the shell: quoted when it holds anything but plain characters. */
function shellWord(text: string): string {
  return /^[\w.:/@%+=,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The key as `pulumi config set --path` reads it: `streambus:adminEndpoints["1"]`. */
function pulumiPath(path: ReadonlyArray<PropertyKey>): string {
  let key = "";
  for (const segment of path) {
    if (typeof segment === "number") key += `[${segment}]`;
    else if (key !== "" && !/^[A-Za-z_][\w]*$/.test(String(segment))) key += `[${JSON.stringify(segment)}]`;
    else key += `${key === "" ? "" : "."}${String(segment)}`;
  }
  return `${CONFIG_NAMESPACE}:${key}`;
}

/**
 * The commands that set `value` at `path`: a top-level key takes JSON (the program parses it), a
 * nested one goes by `--path`, one command per leaf (at most three).
 */
export function setCommands(path: ReadonlyArray<PropertyKey>, value: unknown): string[] {
  const secret = isSecretPath(path) ? "--secret " : "";
  if (isPlainObject(value))
    return Object.entries(value)
      .flatMap(([k, v]) => setCommands([...path, k], v))
      .slice(0, 3);
  if (path.length > 1 && Array.isArray(value)) return setCommands([...path, 0], value[0]);
  const text =
    value instanceof Verbatim
      ? value.text
      : typeof value === "string"
        ? shellWord(value)
        : shellWord(JSON.stringify(value));
  // `--path` types what looks like a whole number or a boolean: text that does stays text.
  const typed = path.length > 1 && typeof value === "string" && /^(true|false|-?\d+)$/.test(value);
  const flag = path.length > 1 ? `--path ${typed ? "--type string " : ""}` : "";
  return [`pulumi config set ${secret}${flag}${shellWord(pulumiPath(path))} ${text}`];
}

/**
 * `; e.g. \`pulumi config set ...\``, or nothing when the key has no example. `replace`: a single
 * value sits where a block or list belongs, inside a block: `pulumi config set --path` cannot
 * set a key under it ("expected a map"), so it is removed first.
 */
export function exampleFix(path: ReadonlyArray<PropertyKey>, replace = false): string {
  const example = exampleAt(path);
  if (example === undefined) return "";
  const commands = setCommands(path, example);
  if (commands.length === 0) return "";
  if (replace && path.length > 1) commands.unshift(`pulumi config rm --path ${shellWord(pulumiPath(path))}`);
  return `; e.g. ${commands.map((c) => `\`${c}\``).join(" then ")}`;
}

const PLURAL = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** What an issue without a message of ours expects, said from its fields. */
function expected(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type": {
      if (issue.expected === "object") {
        const keys = allowedKeysAt(issue.path);
        return `must be a block of keys${keys.length > 0 ? ` (${keys.join(", ")})` : ""}, not a single value`;
      }
      if (issue.expected === "array") return "must be a list";
      if (issue.expected === "record") return "must be a map of names to values";
      if (issue.expected === "boolean") return "must be true or false";
      if (issue.expected === "string") return "must be text";
      if (issue.expected === "number" || issue.expected === "int") return "must be a number";
      return `must be a ${issue.expected}`;
    }
    case "too_small":
    case "too_big": {
      const bound = Number(issue.code === "too_small" ? issue.minimum : issue.maximum);
      const word = issue.code === "too_small" ? "at least" : "at most";
      if (issue.origin === "array" || issue.origin === "set")
        return bound === 1 && issue.code === "too_small"
          ? "must list at least one item (it is empty)"
          : `must list ${word} ${PLURAL(bound, "item")}`;
      if (issue.origin === "string")
        return bound === 1 && issue.code === "too_small"
          ? "must not be empty"
          : `must be ${word} ${PLURAL(bound, "character")} long`;
      if (issue.inclusive === false)
        return `must be ${issue.code === "too_small" ? "above" : "below"} ${bound}`;
      return `must be ${word} ${bound}`;
    }
    case "invalid_value":
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "invalid_format":
      return issue.format === "url" ? "must be a URL" : `must be a valid ${issue.format}`;
    case "not_multiple_of":
      return `must be a multiple of ${String(issue.divisor)}`;
    case "invalid_key":
      return ours(issue.issues[0]?.message) ?? "has a key that is not allowed here";
    case "invalid_element":
      return ours(issue.issues[0]?.message) ?? "holds a value that is not allowed";
    default:
      return "is not a value this key takes (see docs/cluster-config.md)";
  }
}

/** A message of ours (they all say what a key must be), or undefined for zod's own English. */
function ours(message: string | undefined): string | undefined {
  return message !== undefined && /^(must|keys must) /.test(message) ? message : undefined;
}

/**
 * The problems of a zod issue, one line each: the key, what it must be, the value given (secrets
 * hidden) and an example fix. One issue can name several unknown keys: each is a problem of its own.
 */
export function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string[] {
  if (issue.code === "unrecognized_keys") {
    const allowed = allowedKeysAt(issue.path);
    return issue.keys.map((k) => {
      const path = [...issue.path, k];
      const rm = `pulumi config rm${path.length > 1 ? " --path" : ""} ${shellWord(pulumiPath(path))}`;
      return `${formatKey(path)}: unknown key; allowed here: ${allowed.join(", ")}; remove it: \`${rm}\``;
    });
  }
  const message = ours(issue.message) ?? expected(issue);
  const value = valueAt(raw, issue.path);
  const given = describeValue(issue.path, value);
  const misplaced =
    issue.code === "invalid_type" &&
    ["object", "array", "record"].includes(issue.expected) &&
    value !== undefined &&
    (value === null || typeof value !== "object");
  return [`${formatKey(issue.path)}: ${message} (got ${given})${withFix(message, issue.path, misplaced)}`];
}

/** What is wrong with one value, in the schema's words, without the key or a fix (for messages that name the key their own way). */
export function issueMessage(issue: z.core.$ZodIssue): string {
  return ours(issue.message) ?? expected(issue);
}

/** The example fix, unless the message gives its own command already. */
export function withFix(message: string, path: ReadonlyArray<PropertyKey>, replace = false): string {
  return message.includes("`pulumi config ") ? "" : exampleFix(path, replace);
}
