import * as pulumi from "@pulumi/pulumi";
import {
  configWarnings,
  crossFieldProblems,
  requiredKeyProblems,
  type ConfigProblem,
  type ParsedFields,
} from "./config-rules";
import {
  CONFIG_NAMESPACE,
  describeIssue,
  describeValue,
  formatKey,
  valueAt,
  withFix,
} from "../common/config-messages";
import { stackConfigSchema } from "../common/config-schema";
import { normalizeClusterConfig } from "../components/cluster-args";
import type { StackConfig } from "../common/config-types";

/**
 * The `streambus` namespace of a stack's config: validated with zod before any resource is
 * declared, normalized (sizes in bytes, durations in milliseconds, broker ids as a sorted list),
 * and every problem reported at once.
 */

export { configWarnings };

export { CONFIG_NAMESPACE, describeIssue, formatKey } from "../common/config-messages";
export type {
  AwsConfig,
  KubernetesConfig,
  LocalConfig,
  Platform,
  StackConfig,
  TlsConfig,
} from "../common/config-types";

/**
 * The config is invalid: `problems` lists each one as `streambus:<key>: <what is wrong>`.
 *
 * A `pulumi.RunError`: the engine's language host prints a RunError that ends the program as its
 * message alone, once, where any other error is an "unhandled exception" with a JavaScript stack.
 */
export class StackConfigError extends pulumi.RunError {
  /** One line per problem, each naming the key, the bad value and what is allowed. */
  readonly problems: readonly string[];

  constructor(problems: string[]) {
    const n = problems.length;
    super(
      `invalid stack config (${n} problem${n === 1 ? "" : "s"}):\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
    this.name = "StackConfigError";
    this.problems = problems;
  }
}

const SECRET_KEYS = new Set(["adminToken", "sshPrivateKey"]);

/**
 * Each top-level field of `raw` parsed on its own, keeping those that are valid (and each valid
 * topic at its index): what the cross-field rules check when the whole config does not parse.
 */
function parsedFields(raw: Record<string, unknown>): ParsedFields {
  const fields: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(stackConfigSchema.shape)) {
    const result = schema.safeParse(raw[key]);
    if (result.success) fields[key] = result.data;
  }
  if (fields.topics === undefined && Array.isArray(raw.topics)) {
    // A list of one parses each topic with the list's own schema (and its defaults).
    fields.topics = raw.topics.map((topic) => {
      const one = stackConfigSchema.shape.topics.safeParse([topic]);
      return one.success ? one.data[0] : undefined;
    });
  }
  return fields as ParsedFields;
}

function describeProblem(problem: ConfigProblem, raw: unknown): string {
  const value = valueAt(raw, problem.path);
  const got =
    value === undefined || problem.message.includes("got ")
      ? ""
      : ` (got ${describeValue(problem.path, value)})`;
  return `${formatKey(problem.path)}: ${problem.message}${got}${withFix(problem.message, problem.path)}`;
}

function isSecretValue(value: unknown): boolean {
  return (typeof value === "string" && value.length > 0) || pulumi.Output.isInstance(value);
}

/**
 * Validates and normalizes the `streambus` namespace of a stack's config, given as plain values
 * (what `pulumi.Config` holds after JSON parsing). Throws one `StackConfigError` listing every
 * problem. `adminToken` and `sshPrivateKey` may be strings or secret Outputs.
 */
export function parseStackConfig(raw: Record<string, unknown>): StackConfig {
  const result = stackConfigSchema.safeParse(raw, { reportInput: true });
  const problems: string[] = [];
  if (!result.success) problems.push(...result.error.issues.flatMap((issue) => describeIssue(issue, raw)));
  // The cross-field rules run on whatever parsed, so fixing one problem never reveals the next.
  const fields = result.success ? result.data : parsedFields(raw);
  problems.push(...crossFieldProblems(fields).map((p) => describeProblem(p, raw)));
  const hasSecret = (key: "adminToken" | "sshPrivateKey") => raw[key] !== undefined;
  problems.push(...requiredKeyProblems(raw, hasSecret).map((p) => describeProblem(p, raw)));
  for (const key of SECRET_KEYS) {
    if (raw[key] !== undefined && !isSecretValue(raw[key])) {
      problems.push(
        `${formatKey([key])}: must be a non-empty secret string (got (value hidden))${withFix("", [key])}`,
      );
    }
  }
  if (problems.length > 0 || !result.success) throw new StackConfigError(problems);

  return normalizeClusterConfig(result.data);
}

/** How each secret key is set again as a secret, its value as the command reads it. */
const SET_SECRET: Record<string, string> = {
  adminToken: `pulumi config set --secret ${CONFIG_NAMESPACE}:adminToken <token>`,
  sshPrivateKey: `pulumi config set --secret ${CONFIG_NAMESPACE}:sshPrivateKey -- "$(cat key.pem)"`,
  "tls.caKey": `pulumi config set --secret --path ${CONFIG_NAMESPACE}:tls.caKey -- "$(cat ca.key)"`,
};

/**
 * The problem of a secret key stored in plaintext: it already sits in clear in the stack's file
 * (`Pulumi.<stack>.yaml`), so the fix is to remove it, set it again as a secret, and, when that
 * file was ever committed, to rotate the value, which the file's git history keeps.
 */
export function plaintextSecretProblem(key: string, stack: string): string {
  const file = `Pulumi.${stack}.yaml`;
  const full = `${CONFIG_NAMESPACE}:${key}`;
  const rm = `pulumi config rm${key.includes(".") ? " --path" : ""} ${full}`;
  const what = key === "adminToken" ? "token" : key === "sshPrivateKey" ? "key pair" : "CA";
  return (
    `${full}: must be set as a secret: \`${SET_SECRET[key] ?? `pulumi config set --secret ${full} ...`}\`; ` +
    `it is stored in clear in ${file} now: remove it first with \`${rm}\`, then set it as above. ` +
    `If ${file} was ever committed, the old value stays in that file's git history: rotate the ${what}`
  );
}

/** A config value as Pulumi stores it (a string), parsed as JSON when it is JSON. */
function parseConfigValue(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/**
 * Reads the `streambus` namespace of the current stack's config and validates it. Secret keys
 * are read with `getSecret` so they stay secret; a secret key stored in plaintext is refused.
 */
export function loadConfig(): StackConfig {
  const prefix = `${CONFIG_NAMESPACE}:`;
  const config = new pulumi.Config(CONFIG_NAMESPACE);
  const raw: Record<string, unknown> = {};
  const plaintextSecrets: string[] = [];
  // isConfigSecret is internal to the SDK; without it the plaintext check is skipped, not failed.
  const isConfigSecret = (pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean })
    .isConfigSecret;
  for (const [fullKey, value] of Object.entries(pulumi.runtime.allConfig())) {
    if (!fullKey.startsWith(prefix)) continue;
    const key = fullKey.slice(prefix.length);
    if (SECRET_KEYS.has(key)) {
      if (isConfigSecret !== undefined && !isConfigSecret(fullKey)) plaintextSecrets.push(key);
      raw[key] = value === "" ? "" : config.requireSecret(key);
    } else {
      raw[key] = parseConfigValue(value);
      // The operator's CA key sits in the tls block: the block must then be stored as a secret
      // (`pulumi config set --secret --path streambus:tls.caKey ...`); parseStackConfig wraps it.
      const tlsBlock = raw[key] as { caKey?: unknown } | undefined;
      if (
        key === "tls" &&
        tlsBlock?.caKey !== undefined &&
        isConfigSecret !== undefined &&
        !isConfigSecret(fullKey)
      )
        plaintextSecrets.push("tls.caKey");
    }
  }
  try {
    const parsed = parseStackConfig(raw);
    if (plaintextSecrets.length > 0) throw new StackConfigError([]);
    for (const warning of configWarnings(parsed)) void pulumi.log.warn(warning);
    return parsed;
  } catch (error) {
    if (!(error instanceof StackConfigError)) throw error;
    const plaintext = plaintextSecrets.map((key) => plaintextSecretProblem(key, pulumi.getStack()));
    throw new StackConfigError([...error.problems, ...plaintext]);
  }
}
