/**
 * `streambus-stack`: runs this project's Pulumi program the way `pulumi up` does, through the
 * `pulumi` CLI and its Node.js language host (`main` in Pulumi.yaml, the compiled
 * `dist/stacks/main.js`), driven by the Automation API as a local program. What it adds to the
 * bare CLI: a read never creates a stack, Pulumi's own messages (a lock's holder and age
 * included) are passed on as Pulumi prints them, and an interrupted or locked run ends with what
 * to do about it.
 */
import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { nodeIsRecentEnough, oldNodeMessage } from "../cli/node-version";
import {
  NoSuchStackError,
  automation,
  openStack,
  operations,
  type Operation,
  type RunStackOptions,
} from "../cli/open-stack";

export { NoSuchStackError, openStack, operations, type Operation, type RunStackOptions };

/**
 * Runs one operation on a stack and returns whether it succeeded. Engine output streams as it
 * comes, so long waits (a drain, a rebalance) show their progress.
 */
export async function runStack(operation: Operation, options: RunStackOptions): Promise<boolean> {
  const stack = await openStack(operation, options);
  const onOutput = options.onOutput ?? ((text: string) => process.stdout.write(text));
  const onError = options.onError ?? ((text: string) => process.stderr.write(text));
  const common = { onOutput, onError, signal: options.signal, color: "auto" as const };
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

/** What is known of the stack after a run that was interrupted: each field `undefined` when it cannot be told. */
export interface LeftBehind {
  /** Whether the stack's update lock is still held (see {@link lockHeld}). */
  locked?: boolean;
  /** How many operations the state records as under way (creates, updates, deletes the engine could not finish). */
  pendingOperations?: number;
}

/**
 * What to do after a run that was interrupted or found the stack locked, as lines for the
 * operator. Run from the project's folder with the same backend settings. After an interrupt,
 * `pulumi cancel` is advised only when the lock was left (or cannot be told: a backend other
 * than a file one), and the refresh only when the state has operations under way (or cannot be read).
 */
export function recoveryAdvice(
  stack: string,
  why: "interrupted" | "locked",
  left: LeftBehind = {},
): string[] {
  const refresh = [
    "then reconcile the state with what exists (a create that was under way is a pending operation):",
    `  pulumi refresh --stack ${stack} --clear-pending-creates   (or --import-pending-creates URN ID for one that was made)`,
  ];
  const cancel = `  pulumi cancel --stack ${stack} --yes`;
  if (why === "locked")
    return [
      "the stack is locked by another update: Pulumi's message above says who holds the lock and since when.",
      "If that process still runs, wait for it. If it is gone (killed, its machine lost), release the lock:",
      cancel,
      ...refresh,
    ];
  const pending = left.pendingOperations !== 0;
  if (left.locked === false) {
    // Pulumi finished the steps under way and released its lock: there is nothing to cancel.
    return pending
      ? [
          `the update was interrupted; pulumi released the stack's lock, and the state ${left.pendingOperations === undefined ? "may record operations" : `records ${left.pendingOperations} operation(s)`} under way.`,
          "Reconcile the state with what exists:",
          refresh[1]!,
          "then run up again to finish the change.",
        ]
      : [
          "the update was interrupted; pulumi released the stack's lock and left no operation under way: run up again to finish the change.",
        ];
  }
  return [
    left.locked
      ? "the update was interrupted and left the stack locked."
      : "the update was interrupted: the stack may be left locked, with creates it could not record.",
    "If no other pulumi process works on this stack, release the lock:",
    cancel,
    ...(pending ? refresh : ["then run up again to finish the change."]),
  ];
}

/**
 * Whether the update lock of `stack` is held, read where a file backend (`file://DIR`) keeps it:
 * `DIR/.pulumi/locks/organization/PROJECT/STACK/*.json` (project-scoped stacks, what pulumi
 * makes now), or `DIR/.pulumi/locks/STACK/` (a backend made before those). `undefined` for any other backend (Pulumi Cloud,
 * S3, ...): it cannot be told from here.
 */
export function lockHeld(backendUrl: string, project: string, stack: string): boolean | undefined {
  if (!backendUrl.startsWith("file://")) return undefined;
  const locks = join(fileURLToPath(new URL(backendUrl.replace(/[?#].*$/, ""))), ".pulumi", "locks");
  const dirs = stack.includes("/")
    ? [join(locks, ...stack.split("/"))]
    : [join(locks, "organization", project, stack), join(locks, stack)];
  return dirs.some((dir) => {
    try {
      return readdirSync(dir).some((file) => file.endsWith(".json"));
    } catch {
      return false; // no folder: no lock
    }
  });
}

/** What an interrupted run left on `stack`, asked of its backend and state; what cannot be told stays `undefined`. */
export async function leftBehind(options: RunStackOptions): Promise<LeftBehind> {
  const workDir = resolve(options.workDir ?? process.cwd());
  const left: LeftBehind = {};
  try {
    const { LocalWorkspace } = automation();
    const ws = await LocalWorkspace.create({ workDir });
    const [{ url }, project] = await Promise.all([ws.whoAmI(), ws.projectSettings()]);
    if (url) left.locked = lockHeld(url, project.name, options.stack);
    const state = (await ws.exportStack(options.stack)) as {
      deployment?: { pending_operations?: unknown[] };
    };
    left.pendingOperations = state.deployment?.pending_operations?.length ?? 0;
  } catch {
    // What could not be read stays unknown: the advice then covers both cases.
  }
  return left;
}

/** The engine's own words from a failed command (its last `stderr:` line), else the error's first line. */
function engineError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const stderr = [...message.matchAll(/stderr: *(\S.*)/g)].at(-1)?.[1];
  return stderr ?? message.split("\n").find((line) => line.trim() !== "") ?? "unknown error";
}

const usage = `usage: streambus-stack <${operations.join("|")}> --stack NAME [--diff] [--cwd DIR]`;

/** How long a Ctrl-C may take to reach the engine from the terminal before it is passed on. */
const FORWARD_AFTER_MS = 1_000;

/** The command line: exit 0 on success, 1 when the operation failed, 2 on bad usage, 130 when interrupted. */
export async function main(argv: string[]): Promise<number> {
  // Every operation loads the Pulumi SDK and runs the program, which need a newer Node than 20.
  if (!nodeIsRecentEnough()) {
    console.error(`streambus-stack: ${oldNodeMessage("this command")}`);
    return 2;
  }
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
  const stackName = parsed.values.stack;
  if (!operations.includes(operation as Operation) || rest.length > 0 || !stackName) {
    console.error(usage);
    return 2;
  }
  // Ctrl-C at a terminal reaches the engine too (one process group): it then cancels on its own,
  // and a second interrupt from here would make it stop at once, leaving the lock behind. An
  // interrupt sent to this process alone is passed on once the engine has not said it got one.
  const controller = new AbortController();
  let interrupts = 0;
  let engineInterrupted = false;
  let streamed = false;
  const watch = (text: string) => {
    if (/received; cancelling/.test(text)) engineInterrupted = true;
  };
  const onSigint = () => {
    interrupts += 1;
    if (interrupts > 1) return controller.abort();
    process.stderr.write("\nstreambus-stack: interrupted: pulumi finishes the steps under way, then stops\n");
    setTimeout(() => engineInterrupted || controller.abort(), FORWARD_AFTER_MS).unref();
  };
  process.on("SIGINT", onSigint);
  try {
    const ok = await runStack(operation as Operation, {
      stack: stackName,
      diff: parsed.values.diff,
      workDir: parsed.values.cwd,
      signal: controller.signal,
      onOutput: (text) => ((streamed = true), watch(text), process.stdout.write(text)),
      onError: (text) => ((streamed = true), watch(text), process.stderr.write(text)),
    });
    if (interrupts > 0) throw new Error("interrupted");
    return ok ? 0 : 1;
  } catch (err) {
    if (err instanceof NoSuchStackError) {
      console.error(`streambus-stack: ${err.message}`);
      return 2;
    }
    // Pulumi's own messages went out as they came; name the error only when the engine said nothing.
    const said = streamed ? "" : `: ${engineError(err)}`;
    const { ConcurrentUpdateError } = automation();
    const why = interrupts > 0 ? "interrupted" : err instanceof ConcurrentUpdateError ? "locked" : undefined;
    const left =
      why === "interrupted" ? await leftBehind({ stack: stackName, workDir: parsed.values.cwd }) : {};
    const advice = why ? recoveryAdvice(stackName, why, left).map((line) => `\n  ${line}`) : [];
    console.error(`streambus-stack: ${operation} ${why ?? "failed"}${said}${advice.join("")}`);
    return why === "interrupted" ? 130 : 1;
  } finally {
    process.removeListener("SIGINT", onSigint);
  }
}

// Run when started directly or through `bin/streambus-stack.js`.
if (require.main === module || /streambus-stack(\.js)?$/.test(require.main?.filename ?? "")) {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
