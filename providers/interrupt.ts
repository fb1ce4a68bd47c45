import { createRequire } from "node:module";

/**
 * Ctrl-C during `pulumi up`, as the provider process learns of it. The engine runs its plugins in
 * process groups of their own (pulumi's `cmdutil.RegisterProcessGroup`), so a terminal's Ctrl-C
 * reaches only the `pulumi` CLI; the CLI then cancels the update and sends each provider a gRPC
 * `Cancel`, which the SDK's dynamic-provider server answers and otherwise ignores. Without this
 * module a membership update went on waiting (up to streambus:rebalance.timeout) after Ctrl-C,
 * with no word. Here the `Cancel` call is noticed as the server receives it, and SIGINT/SIGTERM
 * sent to the provider process itself (a second Ctrl-C makes the engine signal its plugins) are
 * caught while a wait runs. Either aborts `interruptSignal()` with an {@link InterruptedError}.
 */

/** The path of the provider protocol's `Cancel` call. */
const CANCEL_PATH = "/pulumirpc.ResourceProvider/Cancel";

/** The wait was stopped because `pulumi up` was interrupted; the cluster's work goes on. */
export class InterruptedError extends Error {
  /** What interrupted it: `Ctrl-C` (the engine's `Cancel`), `SIGINT` or `SIGTERM` (to this process). */
  readonly by: string;

  constructor(by: string) {
    super(`interrupted by ${by}`);
    this.name = "InterruptedError";
    this.by = by;
  }
}

let controller = new AbortController();
let hooked = false;
/** Waits running now: the line at the interruption is printed only when something is waiting. */
let waiting = 0;
let say: (line: string) => void = (line) => console.log(line);

/**
 * Whether the wait should stop: aborted once `pulumi up` is interrupted (then for good in this
 * process: the engine starts no new step after a cancel). Installs the `Cancel` hook on first use.
 */
export function interruptSignal(): AbortSignal {
  hookCancel();
  return controller.signal;
}

/** Aborts every wait of this process, saying so once. Exported for the tests and the signal handlers. */
export function interrupt(by: string): void {
  if (controller.signal.aborted) return;
  if (waiting > 0) {
    say(
      `streambus: ${by}: stopping the wait now; the cluster's work goes on and the next \`pulumi up\` ` +
        "attaches to it (a second Ctrl-C makes pulumi stop without waiting)",
    );
  }
  controller.abort(new InterruptedError(by));
}

/** Starts afresh after an interruption (tests run many updates in one process). */
export function resetInterrupt(): void {
  controller = new AbortController();
}

/**
 * Runs `fn` as a wait that Ctrl-C may interrupt: SIGINT and SIGTERM to this process are caught
 * only while it runs (the provider keeps Node's default — exit at once — otherwise, which the
 * engine relies on when it closes its plugins), and `log` says at once that it is interrupting.
 */
export async function interruptible<T>(
  log: (line: string) => void,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const signal = interruptSignal();
  const onSignal = (name: NodeJS.Signals) => {
    interrupt(name);
    // The update reports the interruption through the engine, then the signal takes its
    // default course (the listener is gone by then): a signal still means "stop this process".
    setTimeout(() => process.kill(process.pid, name), 2_000).unref();
  };
  waiting++;
  say = log;
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await fn(signal);
  } finally {
    waiting--;
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/**
 * Notices the engine's `Cancel` call. The SDK's server (`@grpc/grpc-js`, loaded by the
 * dynamic-provider entry point) looks up the handler of every incoming call by its path; the
 * lookup is wrapped so that `Cancel` also interrupts the waits. The module is resolved from the
 * entry point, so that it is the very instance serving the calls. Outside a provider process, or
 * should a grpc-js release rename the lookup, nothing is hooked and SIGINT/SIGTERM still work.
 */
function hookCancel(): void {
  if (hooked) return;
  hooked = true;
  const main = require.main?.filename;
  if (!main || !/dynamic-provider[\\/]index\.js$/.test(main)) return;
  try {
    const grpc = createRequire(main)("@grpc/grpc-js") as {
      Server?: { prototype: Record<string, unknown> };
    };
    const proto = grpc.Server?.prototype;
    const lookup = proto?._retrieveHandler;
    if (!proto || typeof lookup !== "function") return;
    proto._retrieveHandler = function (this: unknown, path: string, ...rest: unknown[]) {
      if (path === CANCEL_PATH) interrupt("Ctrl-C");
      return (lookup as (...args: unknown[]) => unknown).call(this, path, ...rest);
    };
  } catch {
    // No hook: SIGINT/SIGTERM to this process still interrupt.
  }
}
