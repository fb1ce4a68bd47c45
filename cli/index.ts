/**
 * `streambus-ops`. Start-up loads only this folder's small modules and each command's name,
 * usage and flags: a command loads what it needs (the admin API client, the procedures, the S3
 * SDK) when it runs, and none loads `@pulumi/pulumi`, so `--help` and an argument error answer
 * at once (the README's "Performance" section has the figures).
 */
import * as nodeModule from "node:module";
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import type { Cluster } from "../procedures/client";
import type { Command, CommandContext } from "./command";
import { connectionSettings, openCluster } from "./context";
import { parseDuration } from "./duration";
import { EXIT, UsageError } from "./errors";
import { nodeIsRecentEnough, oldNodeMessage, thrownLoadingModule } from "./node-version";
import { ignoreClosedPipe, Output } from "./output";
import { loadCommandsReporting } from "./registry";

/** Flags every command takes. */
export const GLOBAL_OPTIONS: ParseArgsOptionsConfig = {
  brokers: { type: "string" },
  "token-file": { type: "string" },
  "ca-file": { type: "string" },
  json: { type: "boolean" },
  deadline: { type: "string" },
  help: { type: "boolean", short: "h" },
};

function help(commands: Command[]): string {
  const width = Math.max(...commands.map((c) => `${c.name} ${c.usage}`.length));
  return [
    "usage: streambus-ops COMMAND [ARGS] [--brokers URL,...] [--token-file FILE] [--ca-file FILE] [--json] [--deadline 30m]",
    "",
    "commands:",
    ...commands.map((c) => `  ${`${c.name} ${c.usage}`.trim().padEnd(width)}  ${c.summary}`),
    "",
    "environment: STREAMBUS_BROKERS, STREAMBUS_ADMIN_TOKEN, STREAMBUS_CA_FILE",
    "exit codes: 0 all is well, 1 a check failed, 2 bad usage or unreachable cluster",
  ].join("\n");
}

/** Runs `streambus-ops` with `argv` (without `node` and the script) and resolves to its exit code. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { commands, broken } = loadCommandsReporting();
  const jsonWanted = argv.includes("--json");
  const out = new Output(jsonWanted);
  ignoreClosedPipe(process.stdout);
  ignoreClosedPipe(process.stderr);
  const controller = new AbortController();
  const onSigint = () => controller.abort(new Error("interrupted"));
  process.once("SIGINT", onSigint);
  let cluster: Cluster | undefined;
  let command: Command | undefined;
  let name: string | undefined;
  try {
    // A first, lenient pass finds the command; the second checks its flags strictly.
    const allOptions: ParseArgsOptionsConfig = Object.assign(
      {},
      GLOBAL_OPTIONS,
      ...commands.map((c) => c.options ?? {}),
    );
    const args = negativeNumbersAsArguments(argv, allOptions);
    const first = parseArgs({ args, options: allOptions, allowPositionals: true, strict: false });
    name = first.positionals[0];
    if (!name) {
      if (first.values.help) {
        process.stdout.write(`${help(commands)}\n`);
        return EXIT.ok;
      }
      throw new UsageError(
        `no command given (one of: ${commands.map((c) => c.name).join(", ")}); see --help`,
      );
    }
    command = commands.find((c) => c.name === name);
    const failed = broken.find((b) => b.name === name);
    if (!command && failed)
      throw nodeIsRecentEnough()
        ? new Error(`the ${name} command failed to load: ${String(failed.error)}`)
        : failed.error; // report() names the Node.js it needs
    if (!command)
      throw new UsageError(`unknown command "${name}" (one of: ${commands.map((c) => c.name).join(", ")})`);
    let parsed;
    try {
      parsed = parseArgs({
        args,
        options: { ...GLOBAL_OPTIONS, ...command.options },
        allowPositionals: true,
        strict: true,
      });
    } catch (error) {
      const first = (error as Error).message.split("\n")[0]!.split(". ")[0];
      throw new UsageError(`${first} (usage: streambus-ops ${`${command.name} ${command.usage}`.trim()})`);
    }
    // Flags declared `multiple` (a repeatable `--policy-pack`) come as lists, apart from the rest.
    const values: Record<string, string | boolean | undefined> = {};
    const lists: Record<string, string[]> = {};
    for (const [key, value] of Object.entries(parsed.values)) {
      if (Array.isArray(value)) lists[key] = value.map(String);
      else values[key] = value;
    }
    if (values.help) {
      process.stdout.write(`usage: streambus-ops ${command.name} ${command.usage}\n  ${command.summary}\n`);
      return EXIT.ok;
    }
    const deadlineMs =
      typeof values.deadline === "string" ? parseDuration(values.deadline, "--deadline") : undefined;
    const ctx: CommandContext = {
      out,
      deadlineMs,
      signal: controller.signal,
      env,
      cluster: async () => {
        if (!cluster) {
          // Read here, not before: `backups` needs no broker at all.
          cluster = await openCluster(connectionSettings(values, env));
          await cluster.refresh({ signal: controller.signal });
        }
        return cluster;
      },
    };
    return await command.run(ctx, { positionals: parsed.positionals.slice(1), values, lists });
  } catch (error) {
    if (error instanceof UsageError && command?.usageExitCode !== undefined) {
      out.error(error.message);
      return command.usageExitCode;
    }
    return await report(error, out, name);
  } finally {
    process.removeListener("SIGINT", onSigint);
    await cluster?.close();
  }
}

/**
 * `parseArgs` reads `-1` as an unknown option, though it is an argument given wrongly: it becomes
 * the value of the string flag before it (`--top -1` → `--top=-1`) or a positional (moved after
 * `--`), so that the command's own check names it (`broker ID must be a positive integer: got "-1"`).
 */
export function negativeNumbersAsArguments(
  argv: readonly string[],
  options: ParseArgsOptionsConfig,
): string[] {
  const out: string[] = [];
  const moved: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") return [...out, "--", ...moved, ...argv.slice(i + 1)];
    if (!/^-\d/.test(arg)) {
      out.push(arg);
      continue;
    }
    const prev = out.at(-1);
    const flag = prev?.startsWith("--") && !prev.includes("=") ? options[prev.slice(2)] : undefined;
    if (flag?.type === "string") out[out.length - 1] = `${prev}=${arg}`;
    else moved.push(arg);
  }
  return moved.length > 0 ? [...out, "--", ...moved] : out;
}

/**
 * One line for an error, and its exit code: 2 for bad usage (arguments are turned into
 * `UsageError`s where they are parsed), a URL that is not a broker's and an unreachable cluster; 1 for everything else,
 * a bug included (a stray `TypeError` is no reason to blame the user's input). On a Node.js too old
 * for what the command loads, the one line names the Node it needs (`commandName` names the command).
 */
export async function report(error: unknown, out: Output, commandName?: string): Promise<number> {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof UsageError) {
    out.error(message);
    return EXIT.usage;
  }
  // On Node 20 a command that loads undici or the Pulumi SDK fails as it loads them; say which
  // Node it needs, before the import below, which loads undici too.
  if (!nodeIsRecentEnough() && thrownLoadingModule(error)) {
    out.error(oldNodeMessage(commandName ? `the ${commandName} command` : "this command"));
    return EXIT.usage;
  }
  // Loaded only now: an argument error is answered without the client. Any other error came
  // from a command that has loaded these already, so this costs nothing more.
  const [
    { AdminApiError, CertificateError, ClusterUnreachableError, NotABrokerError, UnknownBrokerError },
    membership,
  ] = await Promise.all([import("../procedures/client/index.js"), import("../procedures/membership.js")]);
  // A refused certificate is the caller's setup (the CA file), like a refused token: exit 2.
  if (error instanceof CertificateError) {
    out.error(message);
    return EXIT.usage;
  }
  if (error instanceof UnknownBrokerError || error instanceof membership.BrokerNotRegisteredError) {
    out.error(message);
    return EXIT.usage;
  }
  if (error instanceof NotABrokerError) {
    out.error(message);
    return EXIT.usage;
  }
  if (error instanceof ClusterUnreachableError) {
    out.error(`cluster unreachable: ${message}`);
    return EXIT.usage;
  }
  if (error instanceof AdminApiError && (error as { status?: number }).status === 401) {
    out.error(`${message} (check --token-file or STREAMBUS_ADMIN_TOKEN)`);
    return EXIT.usage;
  }
  out.error(message);
  return EXIT.failed;
}

// Run when started directly (`node dist/cli/index.js`) or through `bin/streambus-ops.js`.
if (require.main === module || /streambus-ops(\.js)?$/.test(require.main?.filename ?? "")) {
  // Node keeps the compiled code of what a command loads (undici, zod, the contract's schemas)
  // in its cache folder under the system's temp dir: a third less CPU on every later call.
  // Node 22.1 and later only: an older Node runs without the cache rather than failing.
  nodeModule.enableCompileCache?.();
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`streambus-ops: ${String(error)}\n`);
      process.exitCode = EXIT.failed;
    },
  );
}
