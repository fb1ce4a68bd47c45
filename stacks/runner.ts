/**
 * `streambus-stack`: runs this project's Pulumi program through the real `pulumi` engine with
 * the Automation API, the program running inline in this process.
 *
 * Why: the Node.js language host (`pulumi-language-nodejs`) cannot be had on this project's
 * machines, so `pulumi up` from the CLI cannot start a Node.js program there; the CLI's
 * `--client` mode, which the Automation API uses for inline programs, needs no language host.
 * A user with the full Pulumi CLI installed can run `pulumi preview/up/...` directly instead.
 */
import { LocalWorkspace, type PulumiFn, type Stack } from "@pulumi/pulumi/automation";
import { resolve } from "node:path";
import { parseArgs } from "node:util";

/** The operations the runner drives, by their `pulumi` command names. */
export const operations = ["preview", "up", "refresh", "destroy", "outputs"] as const;
/** One of {@link operations}. */
export type Operation = (typeof operations)[number];

/** Options of {@link runStack}. */
export interface RunStackOptions {
  /** The stack's name (`local`, `staging`, `prod`, ...); created when absent. */
  stack: string;
  /** The Pulumi project's folder (where Pulumi.yaml and Pulumi.<stack>.yaml are). Defaults to the working directory. */
  workDir?: string;
  /** The program. Defaults to this project's (`stacks/index.ts`). */
  program?: PulumiFn;
  /** Show the property-level diff. Defaults to false. */
  diff?: boolean;
  /** Where the engine's output goes. Defaults to standard output. */
  onOutput?: (text: string) => void;
}

async function defaultProgram(): Promise<PulumiFn> {
  const { program } = await import("./index.js");
  return program;
}

/** Selects (or creates) a stack of the project in `workDir` whose program runs inline. */
export async function openStack(options: RunStackOptions): Promise<Stack> {
  const program = options.program ?? (await defaultProgram());
  const workDir = resolve(options.workDir ?? process.cwd());
  return LocalWorkspace.createOrSelectStack(
    { stackName: options.stack, projectName: "streambus", program },
    { workDir },
  );
}

/**
 * Runs one operation on a stack and returns whether it succeeded. Engine output streams to
 * `onOutput` as it comes, so long waits (a drain, a rebalance) show their progress.
 */
export async function runStack(operation: Operation, options: RunStackOptions): Promise<boolean> {
  const stack = await openStack(options);
  const onOutput = options.onOutput ?? ((text: string) => process.stdout.write(text));
  const common = { onOutput, color: "auto" as const };
  switch (operation) {
    case "preview":
      await stack.preview({ ...common, diff: options.diff });
      return true;
    case "up":
      return (await stack.up({ ...common, diff: options.diff })).summary.result === "succeeded";
    case "refresh":
      return (await stack.refresh(common)).summary.result === "succeeded";
    case "destroy":
      return (await stack.destroy(common)).summary.result === "succeeded";
    case "outputs": {
      const outputs = await stack.outputs();
      const plain = Object.fromEntries(
        Object.entries(outputs).map(([key, out]) => [key, out.secret ? "[secret]" : out.value]),
      );
      onOutput(JSON.stringify(plain, null, 2) + "\n");
      return true;
    }
  }
}

const usage = `usage: streambus-stack <${operations.join("|")}> --stack NAME [--diff] [--cwd DIR]`;

/** The command line: exit 0 on success, 1 when the operation failed, 2 on bad usage. */
export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { stack: { type: "string", short: "s" }, diff: { type: "boolean" }, cwd: { type: "string" } },
    });
  } catch (err) {
    console.error(`streambus-stack: ${(err as Error).message}\n${usage}`);
    return 2;
  }
  const [operation, ...rest] = parsed.positionals;
  if (!operations.includes(operation as Operation) || rest.length > 0 || !parsed.values.stack) {
    console.error(usage);
    return 2;
  }
  try {
    const ok = await runStack(operation as Operation, {
      stack: parsed.values.stack,
      diff: parsed.values.diff,
      workDir: parsed.values.cwd,
    });
    return ok ? 0 : 1;
  } catch (err) {
    // The engine has already printed the details through onOutput; keep the last word short.
    const message = (err as Error).message.split("\n").find((line) => line.startsWith("error:"));
    console.error(`streambus-stack: ${operation} failed${message ? `: ${message}` : ""}`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
