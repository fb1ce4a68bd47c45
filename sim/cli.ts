import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { startSim, type BrokerTls } from "./index";

const USAGE =
  "usage: streambus-sim --base-port P [--brokers N] [--token T] [--tls-cert FILE --tls-key FILE] [--state-dir D] [--move-rate BYTES_PER_S] [--produce-rate MSGS_PER_S] [--quiet]";

function intFlag(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`--${name} must be a non-negative integer, got ${raw}\n${USAGE}`);
  return n;
}

/** `--tls-cert` and `--tls-key`: both or neither, each a readable PEM file. */
function tlsFlags(cert: string | undefined, key: string | undefined): BrokerTls | undefined {
  if (cert === undefined && key === undefined) return undefined;
  if (cert === undefined || key === undefined)
    throw new Error(`--tls-cert and --tls-key go together: give both PEM files, or neither\n${USAGE}`);
  const read = (flag: string, path: string, marker: string): string => {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (err) {
      throw new Error(
        `--${flag}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      );
    }
    if (!text.includes(marker))
      throw new Error(`--${flag}: ${path} holds no PEM ${marker.replace(/-/g, "")}`);
    return text;
  };
  return {
    cert: read("tls-cert", cert, "-----BEGIN CERTIFICATE-----"),
    key: read("tls-key", key, "PRIVATE KEY-----"),
  };
}

/** `streambus-sim`: runs an emulated cluster until SIGTERM or SIGINT. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      "base-port": { type: "string" },
      brokers: { type: "string" },
      token: { type: "string" },
      "tls-cert": { type: "string" },
      "tls-key": { type: "string" },
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
    tls: tlsFlags(values["tls-cert"], values["tls-key"]),
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
