import * as pulumi from "@pulumi/pulumi";
import { SimControlClient, SimControlError } from "../../sim/control-client";

/**
 * Whether the emulator answers where the stack says it runs, checked by the program before it
 * declares anything: the engine's preview calls no provider of a resource that is unchanged or
 * new, so without it an emulator that is down shows as "unchanged" (or "+ 11 to create"), and
 * `up` writes the rules file and the dashboard before the first broker fails with ECONNREFUSED.
 *
 * Where it runs: the program runs on `pulumi preview` and `pulumi up` (and on `refresh` and
 * `destroy` only with `--run-program`). A plain `pulumi destroy` or `pulumi refresh` does not
 * run the program, so this check never blocks them: they act through the providers alone.
 */

/** How long the control API may take to answer: it is on loopback, and an answer is immediate. */
const CHECK_TIMEOUT_MS = 5_000;

/** The emulator's control API did not answer as one: the program stops before declaring anything. */
export class EmulatorUnreachableError extends pulumi.RunError {
  /** The control URL that did not answer. */
  readonly controlUrl: string;

  constructor(controlUrl: string, cause: unknown) {
    super(emulatorUnreachableMessage(controlUrl, cause));
    this.name = "EmulatorUnreachableError";
    this.controlUrl = controlUrl;
  }
}

/** The port the emulator's control API takes (`--base-port`): the URL's, or its scheme's default. */
function basePortOf(controlUrl: string): string {
  try {
    const url = new URL(controlUrl);
    return url.port !== "" ? url.port : url.protocol === "https:" ? "443" : "80";
  } catch {
    return "<port>";
  }
}

/** What went wrong, in the client's words (`GET …/sim/brokers failed: ECONNREFUSED`). */
function reasonOf(controlUrl: string, cause: unknown): string {
  if (cause instanceof SimControlError) return cause.message.split("\n")[0]!.slice(0, 300);
  // An answer that is not the control API's (another server on that port).
  return `GET ${controlUrl.replace(/\/+$/, "")}/sim/brokers answered, but not as the emulator's control API`;
}

/**
 * The refusal: the URL, what happened, that nothing changed, what to start (and how to keep the
 * emulator's cluster across restarts), or where else to point the stack.
 */
export function emulatorUnreachableMessage(controlUrl: string, cause: unknown): string {
  const port = basePortOf(controlUrl);
  return (
    `streambus:local.controlUrl: the emulator's control API at ${controlUrl} does not answer ` +
    `(${reasonOf(controlUrl, cause)}); nothing was changed. Start the emulator there first: ` +
    `\`node dist/sim/cli.js --base-port ${port}\` (or \`streambus-sim --base-port ${port}\`), ` +
    `with \`--state-dir <dir>\` to keep its cluster across restarts (one started without it starts empty: ` +
    `brokers this stack made on an earlier one are gone, and \`pulumi refresh\` shows it). ` +
    `Or point the stack at the emulator that runs: ` +
    `\`pulumi config set --path streambus:local.controlUrl http://127.0.0.1:<its port>\``
  );
}

/**
 * Asks the emulator's control API for its machines (`GET /sim/brokers`, through the one client
 * of it); throws an {@link EmulatorUnreachableError} when it does not answer as the emulator.
 */
export async function checkEmulatorReachable(
  controlUrl: string,
  timeoutMs = CHECK_TIMEOUT_MS,
): Promise<void> {
  try {
    await new SimControlClient(controlUrl, timeoutMs).brokers();
  } catch (error) {
    throw new EmulatorUnreachableError(controlUrl, error);
  }
}
