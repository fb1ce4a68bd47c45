/**
 * Opens a stack of the project in a folder through the Automation API, the way `streambus-stack`
 * (`stacks/runner.ts`) and the CLI's commands that run the engine (`stack-report`, `stack-config`)
 * do: a read never creates a stack. Here, not in `stacks/`, so that the CLI never imports the
 * program's folder.
 */
import type * as Automation from "@pulumi/pulumi/automation";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";

/**
 * The Automation API, loaded when an operation runs (seconds of start-up): the check of the
 * Node.js version and the usage answer without it.
 */
export const automation = (): typeof Automation => require("@pulumi/pulumi/automation") as typeof Automation;

/** The operations the runner drives, by their `pulumi` command names. */
export const operations = ["preview", "up", "refresh", "destroy", "outputs"] as const;
/** One of {@link operations}. */
export type Operation = (typeof operations)[number];

/** Options of {@link openStack} and of the runner's `runStack` (`stacks/runner.ts`). */
export interface RunStackOptions {
  /** The stack's name (`local`, `staging`, `prod`, ...). Only `up` creates it, and only when `Pulumi.<stack>.yaml` declares it. */
  stack: string;
  /** The Pulumi project's folder (where Pulumi.yaml and Pulumi.<stack>.yaml are). Defaults to the working directory. */
  workDir?: string;
  /** Show the property-level diff. Defaults to false. */
  diff?: boolean;
  /** Where the engine's standard output goes. Defaults to standard output. */
  onOutput?: (text: string) => void;
  /** Where the engine's standard error goes, as it comes. Defaults to standard error. */
  onError?: (text: string) => void;
  /** Sends the engine an interrupt (SIGINT): it finishes the steps under way and stops. */
  signal?: AbortSignal;
}

/** The stack does not exist, and the operation does not create stacks. */
export class NoSuchStackError extends Error {
  constructor(
    readonly stackName: string,
    readonly known: readonly string[],
  ) {
    super(
      `no stack named "${stackName}" in this project (its stacks: ${known.join(", ") || "none"}); ` +
        `nothing was created: \`pulumi stack init ${stackName}\` makes one, or write Pulumi.${stackName}.yaml and run up`,
    );
    this.name = "NoSuchStackError";
  }
}

/**
 * Selects the stack of the project in `workDir`, whose program the CLI runs. A missing stack is
 * created only by `up`, and only when `Pulumi.<stack>.yaml` declares it: a typo never makes a stack.
 */
export async function openStack(operation: Operation, options: RunStackOptions): Promise<Automation.Stack> {
  const workDir = resolve(options.workDir ?? process.cwd());
  const args = { stackName: options.stack, workDir };
  const { LocalWorkspace, StackNotFoundError } = automation();
  try {
    return await LocalWorkspace.selectStack(args);
  } catch (error) {
    if (!(error instanceof StackNotFoundError)) throw error;
    if (operation === "up" && existsSync(join(workDir, `Pulumi.${options.stack}.yaml`)))
      return LocalWorkspace.createStack(args);
    const known = await LocalWorkspace.create({ workDir })
      .then((ws) => ws.listStacks())
      .then((stacks) => stacks.map((s) => s.name))
      .catch(() => []);
    throw new NoSuchStackError(options.stack, known);
  }
}
