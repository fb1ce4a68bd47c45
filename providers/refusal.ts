/**
 * Refusals that are the user's to act on (a guard, a topic grown by hand), shown once and clean.
 *
 * Why they showed twice: when a dynamic provider's `check`, `diff` or `read` throws, the SDK's
 * provider server (`@pulumi/pulumi/cmd/dynamic-provider`) first prints `${error}: ${error.stack}`
 * to the provider's stderr — which the engine shows as a message of the stack, with the whole
 * JavaScript stack trace (`at explain (providers/admin.ts:98)`, source-mapped) — and then sends
 * the message as the call's gRPC error, which the engine prints as the resource's `error:`.
 * (`create`, `update` and `delete` errors take another path, which prints nothing to stderr.)
 *
 * A refusal is an error whose `stack` is its message alone, and the provider process drops the
 * SDK's stderr line of exactly that error: the engine's `error:` line is then the only one.
 */

/** A refusal: an error for the person running `pulumi`, with no stack trace to show. */
export class Refusal extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "Refusal";
    // The SDK prints `${error}: ${error.stack}`; a stack of the message alone carries no trace.
    Object.defineProperty(this, "stack", { value: message, writable: true, configurable: true });
    pending.add(`${String(this)}: ${message}`);
    installFilter();
  }

  override toString(): string {
    return this.message;
  }
}

/** The stderr lines the SDK will print for refusals thrown and not yet printed. */
const pending = new Set<string>();
let installed = false;

/**
 * Drops the SDK's stderr line of a refusal (exactly `${refusal}: ${refusal.stack}`, once); every
 * other line, including other errors' traces, goes through untouched.
 */
function installFilter(): void {
  if (installed) return;
  installed = true;
  const original = console.error.bind(console);
  console.error = (...args: unknown[]) => {
    if (args.length === 1 && typeof args[0] === "string" && pending.delete(args[0])) return;
    original(...args);
  };
}

/**
 * The error to throw for a refusal with this message (and the error it explains as `cause`):
 * shown once by `pulumi preview`/`up`, without a stack trace. For `check`, `diff` and `read`.
 */
export function refusal(message: string, cause?: unknown): Refusal {
  return new Refusal(message, cause === undefined ? undefined : { cause });
}

/** The same error as a refusal: its message, shown once, without a stack trace. */
export function asRefusal(error: unknown): Refusal {
  if (error instanceof Refusal) return error;
  return refusal(error instanceof Error ? error.message : String(error), error);
}
