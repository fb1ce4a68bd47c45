import type * as pulumi from "@pulumi/pulumi";
import { Cluster, ClusterUnreachableError, ContractError, type ClientOptions } from "../procedures/client";
import { knownUrls } from "./membership-check";

/**
 * What every provider that calls the live cluster shares (membership, cluster config, quotas,
 * topics, rolling restart): the stack's config as `configure` gave it, and with it the admin
 * token; a cluster handle on the URLs the stack declares; where lines go; and errors that say
 * what to do. The config is read on every call, so a token rotated in the stack is used at once.
 */

/** The stack config key of the admin token. */
export const TOKEN_KEY = "streambus:adminToken";

let stackConfig: pulumi.dynamic.Config | undefined;

/** Keeps the stack's config; each provider's `configure` calls this (the engine configures each once). */
export function keepConfig(config: pulumi.dynamic.Config): void {
  stackConfig = config;
}

/**
 * The environment variable by which the user consents to finishing a `pulumi destroy` of a cluster
 * that is gone for good: a delete over the admin API that finds every broker refusing the connection
 * then succeeds, deleting nothing, with a warning. Not a stack config key: the engine configures a
 * destroy's providers with the config stored at the last `up` (tried with v3.259: a key set with
 * `pulumi config set` just before `pulumi destroy` is not seen), and a consent kept in a config file
 * would outlive the cluster it was given for. The provider plugin inherits the CLI's environment.
 */
export const CLUSTER_GONE_ENV = "STREAMBUS_CLUSTER_GONE";

/** Whether this run was started with `STREAMBUS_CLUSTER_GONE=true`. */
export function clusterGoneConsent(): boolean {
  return process.env[CLUSTER_GONE_ENV]?.trim().toLowerCase() === "true";
}

/**
 * Whether no broker listens at any URL the stack declares: every one refused the connection, after
 * the client's retries. A broker that is slow (a timeout), answers 5xx or cannot be resolved is not
 * "gone": the cluster may still hold what a delete would remove. The failover keeps each URL's
 * failure as the one describer (`failureReason`) says it, the connection error's code.
 */
export function everyBrokerRefused(error: unknown): error is ClusterUnreachableError {
  return (
    error instanceof ClusterUnreachableError &&
    error.failures.length > 0 &&
    error.failures.every((f) => f.error === "ECONNREFUSED")
  );
}

/**
 * The error of a delete that found every broker refusing the connection: what happened, and the
 * ways out, commands that exist in the pinned `pulumi` (v3.259).
 */
export function clusterGoneError(error: ClusterUnreachableError, what: string): Error {
  const urls = error.failures.map((f) => f.url).join(", ");
  return new Error(
    `${what}: the cluster does not answer: every broker refused the connection (${urls}), so nothing was ` +
      `deleted on it. If the brokers are only stopped, start them and run \`pulumi destroy\` again. If the ` +
      `cluster is gone for good, either run \`${CLUSTER_GONE_ENV}=true pulumi destroy\` (the deletes over the ` +
      `admin API then succeed with a warning, deleting nothing on the cluster), or ` +
      `drop this resource from the state with \`pulumi state delete '<URN>'\` (\`pulumi stack --show-urns\` lists ` +
      `the URNs) and run \`pulumi destroy\` again`,
    { cause: error },
  );
}

/** Where the engine shows lines: a dynamic provider's stdout streams into `pulumi up`/`preview`. */
export const log = (line: string): void => console.log(line);

/**
 * Where a provider reaches the cluster: the admin URLs its resource declares, and the CA that
 * signed the brokers' certificates (an input of the resource, as the URLs are: it is no secret).
 */
export interface ClusterTarget {
  /** Broker id → admin URL. */
  adminUrls?: Record<string, string>;
  /** The CA of the brokers' admin API certificates (PEM); absent: Node's public CAs. */
  caCertificate?: string;
}

/** What a refused broker certificate's error tells the person running `pulumi` to do. */
export function tlsHint(trusted: boolean): string {
  return trusted
    ? "the stack's CA (streambus:tls.caCertificate, or the CA the stack made: `pulumi stack output caCertificate`) " +
        "did not sign it: check that streambus:adminEndpoints reach the brokers themselves and that the brokers " +
        "serve the stack's certificates (`pulumi up` pushes them)"
    : "the stack trusts only Node's public CAs (streambus:tls.enabled is false): set streambus:tls.enabled: true " +
        "so that the stack issues and trusts the brokers' certificates";
}

function clientOptions(cas: string[]): ClientOptions {
  const token = stackConfig?.get(TOKEN_KEY) || undefined;
  // More retries than the CLI: an `up` should ride out a flaky API rather than stop half-way.
  return {
    ...(token ? { token } : {}),
    ...(cas.length > 0 ? { ca: cas } : {}),
    tlsHint: tlsHint(cas.length > 0),
    retry: { retries: 6 },
  };
}

/**
 * A cluster handle on the known URLs of `targets`, in order, trusting each one's CA (an update
 * that changes the CA trusts the old one and the new one); the caller closes it.
 */
export function connect(...targets: Array<ClusterTarget | undefined>): Cluster {
  const urls = knownUrls(...targets.map((t) => t?.adminUrls));
  if (urls.length === 0) throw new Error("no admin URL is known yet: nothing to reach the cluster through");
  // A CA not known yet (a preview before the stack made it) is no PEM: left out, not sent to TLS.
  const cas = [...new Set(targets.flatMap((t) => (isPem(t?.caCertificate) ? [t!.caCertificate!] : [])))];
  return new Cluster(urls, clientOptions(cas));
}

function isPem(value: unknown): boolean {
  return typeof value === "string" && value.includes("-----BEGIN CERTIFICATE-----");
}

/** Runs `fn` with a cluster handle on the target's known URLs, closing it after. */
export async function withCluster<T>(
  target: ClusterTarget | undefined,
  fn: (cluster: Cluster) => Promise<T>,
): Promise<T> {
  const cluster = connect(target);
  try {
    return await fn(cluster);
  } finally {
    await cluster.close();
  }
}

/** Turns the client's errors into what the person running `pulumi` needs to do. */
export function explain(error: unknown, what: string): Error {
  if (error instanceof ContractError && error.code === "unauthorized") {
    const set = stackConfig?.get(TOKEN_KEY)
      ? "the admin token in the stack config is wrong"
      : "no admin token is set";
    return new Error(
      `${what}: the cluster refused the call (401 unauthorized, ${error.method} ${error.url}): ${set}; ` +
        `set it with \`pulumi config set --secret ${TOKEN_KEY} <token>\``,
      { cause: error },
    );
  }
  if (error instanceof Error) return new Error(`${what}: ${error.message}`, { cause: error });
  return new Error(`${what}: ${String(error)}`);
}
