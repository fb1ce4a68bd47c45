import type { ParseArgsOptionsConfig } from "node:util";
import type { Cluster } from "../procedures/client";
import type { Output } from "./output";

/** What a command runs with: the cluster, the output, and the global flags. */
export interface CommandContext {
  /** Connects to the cluster (once) and finds its members; throws when no broker answers. */
  cluster(): Promise<Cluster>;
  /** Where to write. */
  out: Output;
  /** `--deadline`, in milliseconds, if given. */
  deadlineMs: number | undefined;
  /** Aborted on Ctrl-C. */
  signal: AbortSignal;
  /** The environment (for commands with their own variables, such as `backup`). */
  env: NodeJS.ProcessEnv;
}

/** The flags and positionals a command was given. */
export interface CommandArgs {
  /** Positionals after the command's name. */
  positionals: string[];
  /** Flag values, by long name. */
  values: Record<string, string | boolean | undefined>;
  /** The values of flags declared `multiple: true`, by long name, in the order given. Absent when not given. */
  lists: Record<string, string[]>;
}

/**
 * One subcommand of `streambus-ops`. A file in `cli/commands/` that exports `command` is a
 * subcommand: adding one is a one-file change.
 */
export interface Command {
  /** The name typed after `streambus-ops`. */
  name: string;
  /** Where it sorts in `--help` (lower first). */
  order: number;
  /** One line for `--help`. */
  summary: string;
  /** The usage after the name, e.g. `ID [--force]`. */
  usage: string;
  /** Its own flags (the global ones are added). */
  options?: ParseArgsOptionsConfig;
  /**
   * The exit code of a usage error (a flag the parser refuses, a bad `--deadline`, a `UsageError`
   * the command throws), for a command whose 2 means something else (`drift`'s "drift found").
   * Defaults to 2.
   */
  usageExitCode?: number;
  /** Runs it; resolves to the exit code. */
  run(ctx: CommandContext, args: CommandArgs): Promise<number>;
}

/**
 * `command` with the CLI's one rule kept around it (`Output.finish`): a `✗` line if and only if a
 * non-zero exit, and the `--json` document carrying the same lines and exit code. The registry
 * wraps every command it loads, so a command added later keeps the rule without knowing of it.
 */
export function withVerdict(command: Command): Command {
  return {
    ...command,
    async run(ctx, args) {
      let code: number;
      try {
        code = await command.run(ctx, args);
      } catch (error) {
        // What was found before the error is still written; the error decides the exit code.
        ctx.out.flush();
        throw error;
      }
      return ctx.out.finish(code, command.name);
    },
  };
}
