import { parseArgs } from "node:util";
import { startSim } from "./index";

const USAGE =
  "usage: streambus-sim --base-port P [--brokers N] [--token T] [--state-dir D] [--move-rate BYTES_PER_S] [--produce-rate MSGS_PER_S] [--quiet]";

function intFlag(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`--${name} must be a non-negative integer, got ${raw}\n${USAGE}`);
  return n;
}

/** `streambus-sim`: runs an emulated cluster until SIGTERM or SIGINT. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      "base-port": { type: "string" },
      brokers: { type: "string" },
      token: { type: "string" },
      "state-dir": { type: "string" },
      "move-rate": { type: "string" },
      "produce-rate": { type: "string" },
      quiet: { type: "boolean" },
      help: { type: "boolean" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const sim = await startSim({
    basePort: intFlag("base-port", values["base-port"]),
    brokers: intFlag("brokers", values.brokers),
    token: values.token,
    stateDir: values["state-dir"],
    moveRateBytesPerS: intFlag("move-rate", values["move-rate"]),
    produceRateMsgsPerS: intFlag("produce-rate", values["produce-rate"]),
    // The log goes to stderr, so that stdout's one line with "ready" is easy to wait for.
    log: values.quiet ? undefined : (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`),
  });
  process.stdout.write(
    `streambus-sim ready: control ${sim.controlUrl}, broker i at ${sim.brokerUrl(0).replace(/:\d+$/, "")}:${sim.basePort}+i\n`,
  );
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${signal}: stopping\n`);
    sim.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((err: unknown) => {
  process.stderr.write(`streambus-sim: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
});
