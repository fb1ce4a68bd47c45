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
 *
 * A guard's refusal carries its `streambus-refusal` record (`procedures/records.ts`) as the
 * last line of that one message (`withRefusalRecord`): the filter drops the SDK's line by the
 * whole message, record included, and the engine's `error:` keeps both lines.
 */
import type { GuardError } from "../procedures/common";
import { printRecord, type RecordOf } from "../procedures/records";

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

/**
 * The first `GuardError` in an error's `cause` chain that says what it refused. Known by its
 * name, not `instanceof`: a provider module loaded twice (the shim, a test's fresh import) has two
 * `GuardError` classes.
 */
function guardErrorIn(error: unknown): GuardError | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    if (e.name === "GuardError" && (e as GuardError).refused) return e as GuardError;
  }
  return undefined;
}

/**
 * `message` with the `streambus-refusal` record of the guard error in `cause`'s chain as its
 * last line (the member sets of the change beside it, when given), or `message` alone when no
 * guard refused.
 */
export function withRefusalRecord(
  message: string,
  cause: unknown,
  change?: { from: readonly number[]; to: readonly number[] },
): string {
  const guard = guardErrorIn(cause);
  if (!guard?.refused) return message;
  const record: RecordOf<"refusal"> = {
    what: guard.refused.what,
    ...(change ? { from: [...change.from], to: [...change.to] } : {}),
    failures: guard.failures.map((f) => ({ guard: f.guard, message: f.message })),
    override: guard.refused.override,
  };
  return `${message}\n${printRecord("refusal", record)}`;
}
