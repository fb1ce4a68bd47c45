import { readFileSync } from "node:fs";
import type { ClientOptions, Cluster } from "../procedures/client";
import { parseBaseUrl } from "../procedures/client/url";
import { UsageError } from "./errors";

/** The connection settings, from flags first and the environment second. */
export interface ConnectionSettings {
  /** Broker base URLs. */
  brokers: string[];
  /** Admin token, if any. */
  token: string | undefined;
  /** CA bundle (PEM), if any. */
  ca: string | undefined;
  /** Where the CA bundle came from (`--ca-file` or `STREAMBUS_CA_FILE`), named when a certificate is refused. */
  caSource?: string;
}

/** What a refused broker certificate's error says to do, naming where the CA came from. */
export function tlsHint(settings: Pick<ConnectionSettings, "ca" | "caSource">): string {
  const fix =
    "pass --ca-file (or STREAMBUS_CA_FILE) with the CA that signed the brokers' certificates " +
    "(a stack's own CA: `pulumi stack output caCertificate > ca.pem`)";
  return settings.ca && settings.caSource
    ? `the CA in ${settings.caSource} did not sign it: ${fix}`
    : `no --ca-file was given, so only Node's public CAs were trusted: ${fix}`;
}

/**
 * Reads `--brokers`/`STREAMBUS_BROKERS`, `--token-file`/`STREAMBUS_ADMIN_TOKEN` and
 * `--ca-file`/`STREAMBUS_CA_FILE`. Every problem is a one-line `UsageError`; the token is
 * never part of a message.
 */
export function connectionSettings(
  values: Record<string, string | boolean | undefined>,
  env: NodeJS.ProcessEnv,
): ConnectionSettings {
  const list = str(values.brokers) ?? env.STREAMBUS_BROKERS;
  if (!list || list.trim() === "") {
    throw new UsageError("no brokers: pass --brokers URL,... or set STREAMBUS_BROKERS");
  }
  const brokers = list
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((url) => {
      try {
        return parseBaseUrl(url);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
    });
  if (brokers.length === 0)
    throw new UsageError("no brokers: pass --brokers URL,... or set STREAMBUS_BROKERS");
  const tokenFile = str(values["token-file"]);
  const token =
    tokenFile !== undefined
      ? readToken(tokenFile)
      : checkToken(env.STREAMBUS_ADMIN_TOKEN, "STREAMBUS_ADMIN_TOKEN");
  const caFlag = str(values["ca-file"]);
  const caFile = caFlag ?? env.STREAMBUS_CA_FILE;
  let ca: string | undefined;
  if (caFile) {
    try {
      ca = readFileSync(caFile, "utf8");
    } catch (error) {
      throw new UsageError(
        `cannot read the CA file ${caFile}: ${(error as NodeJS.ErrnoException).code ?? "error"}`,
      );
    }
    if (!ca.includes("-----BEGIN CERTIFICATE-----"))
      throw new UsageError(`the CA file ${caFile} holds no PEM certificate`);
  }
  const caSource = caFile
    ? `${caFlag !== undefined ? "--ca-file" : "STREAMBUS_CA_FILE"} ${caFile}`
    : undefined;
  return { brokers, token, ca, ...(caSource ? { caSource } : {}) };
}

/** Reads a token file: one line of printable characters, a trailing newline allowed. */
export function readToken(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new UsageError(
      `cannot read the token file ${path}: ${(error as NodeJS.ErrnoException).code ?? "error"}`,
    );
  }
  return checkToken(text.replace(/\r?\n$/, ""), `the token file ${path}`)!;
}

function checkToken(token: string | undefined, source: string): string | undefined {
  if (token === undefined) return undefined;
  if (token === "") throw new UsageError(`${source} is empty: it must hold the admin token on one line`);
  if (/[\r\n]/.test(token)) throw new UsageError(`${source} is malformed: it holds more than one line`);
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw new UsageError(`${source} is malformed: the token must be printable characters without spaces`);
  }
  return token;
}

/**
 * Opens the cluster handle (no request yet). The client (undici, the contract's schemas) is
 * loaded here, by the commands that talk to a broker, not when the CLI starts.
 */
export async function openCluster(settings: ConnectionSettings, extra: ClientOptions = {}): Promise<Cluster> {
  const { Cluster } = await import("../procedures/client/index.js");
  return new Cluster(settings.brokers, {
    ...(settings.token ? { token: settings.token } : {}),
    ...(settings.ca ? { ca: settings.ca } : {}),
    tlsHint: tlsHint(settings),
    ...extra,
  });
}

function str(v: string | boolean | undefined): string | undefined {
  return typeof v === "string" ? v : undefined;
}
