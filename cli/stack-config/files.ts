/**
 * A stack's config file, `Pulumi.<stack>.yaml` in the project's folder, read and written with
 * the `yaml` library's document model: a rewrite changes only the keys that change, so the
 * file's comments, its `encryptionsalt` and the keys' order stay as they were.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { isMap, parseDocument, type Document } from "yaml";
import type { StackConfig } from "./parity";

/** The path of a stack's config file. */
export function stackFile(stack: string, workDir = process.cwd()): string {
  // An organization-qualified name (`acme/streambus/staging`) keeps its last part in the file name.
  return join(resolve(workDir), `Pulumi.${stack.split("/").at(-1)}.yaml`);
}

async function readDocument(path: string): Promise<Document | undefined> {
  if (!existsSync(path)) return undefined;
  const doc = parseDocument(await readFile(path, "utf8"));
  if (doc.errors.length > 0)
    throw new Error(`${path} is not valid YAML: ${doc.errors[0]!.message.split("\n")[0]}`);
  return doc;
}

/** A stack's config from its file; throws naming the file when there is none. */
export async function readStackConfig(stack: string, workDir?: string): Promise<StackConfig> {
  const path = stackFile(stack, workDir);
  const doc = await readDocument(path);
  if (!doc) throw new Error(`no config file for stack ${stack}: ${path} does not exist`);
  const config = (doc.toJS() as { config?: StackConfig } | null)?.config;
  return config ?? {};
}

/** A stack's config, or an empty one when it has no file yet (a target replicate creates). */
export async function readStackConfigOrEmpty(stack: string, workDir?: string): Promise<StackConfig> {
  return existsSync(stackFile(stack, workDir)) ? readStackConfig(stack, workDir) : {};
}

/**
 * Writes `config` as the stack's whole config: keys whose value changes are set, keys not in
 * `config` are removed, everything else in the file (comments, `encryptionsalt`) stays.
 */
export async function writeStackConfig(stack: string, config: StackConfig, workDir?: string): Promise<void> {
  const path = stackFile(stack, workDir);
  const doc = (await readDocument(path)) ?? parseDocument("config: {}\n");
  if (!isMap(doc.get("config"))) doc.set("config", doc.createNode({}));
  const current = ((doc.toJS() as { config?: StackConfig }).config ?? {}) as StackConfig;
  for (const key of Object.keys(current)) if (!(key in config)) doc.deleteIn(["config", key]);
  for (const [key, value] of Object.entries(config)) {
    if (JSON.stringify(current[key]) !== JSON.stringify(value))
      doc.setIn(["config", key], doc.createNode(value));
  }
  await writeFile(path, doc.toString());
}

/**
 * Gives the target stack its own secret under `key` (a random 32-byte hex token), set through
 * `pulumi config set --secret` so that it is encrypted with the target's key. The value goes to
 * pulumi on its standard input, never on a command line (where `ps` would show it), and never
 * leaves this function. The stack is created when it does not exist yet (its file does by now).
 */
export async function generateSecret(stack: string, key: string, workDir?: string): Promise<void> {
  const { openStack } = await import("../open-stack.js");
  await openStack("up", { stack, workDir });
  const value = randomBytes(32).toString("hex");
  const child = spawn("pulumi", ["config", "set", key, "--secret", "--stack", stack], {
    cwd: resolve(workDir ?? process.cwd()),
    stdio: ["pipe", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(value);
  const code = await new Promise<number>((done, fail) => {
    child.on("error", fail);
    child.on("close", (c) => done(c ?? 1));
  });
  if (code !== 0)
    throw new Error(`pulumi config set --secret ${key} --stack ${stack} failed: ${stderr.trim()}`);
}
