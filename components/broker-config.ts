import { createHash } from "node:crypto";
import { stringify } from "yaml";
import type { StackConfig } from "../common/config-types";
import { formatSize as formatSizeIn } from "../common/units";

/**
 * The broker's config file (`/etc/streambus/broker.yaml`): only what a broker reads at start
 * (its id and rack, listeners, where the seeds and token are, the data directory). Retention,
 * compaction, flush interval and compression are not here: the admin API changes them live
 * (`PUT /admin/config`) and the `ClusterConfig` resource owns them, so changing one restarts
 * nothing. A change of this file yields a new hash, and the hash is what rolls the brokers.
 */

/** Where a broker keeps its files; the same on every platform. */
export const BROKER_PATHS = {
  config: "/etc/streambus/broker.yaml",
  adminToken: "/etc/streambus/admin-token",
  seeds: "/etc/streambus/seeds",
  dataDir: "/var/lib/streambus/data",
  /** The admin API's certificate, its private key (readable by the broker only) and the CA that signed it. */
  tlsCertificate: "/etc/streambus/tls/broker.crt",
  tlsKey: "/etc/streambus/tls/broker.key",
  tlsCa: "/etc/streambus/tls/ca.crt",
} as const;

/**
 * The placeholder the runbook's template uses for the id (`sed 's/BROKER_ID/4/'`): on
 * kubernetes one ConfigMap serves every pod, and each pod fills in its own id at start.
 */
export const BROKER_ID_PLACEHOLDER = "BROKER_ID";

/** The settings of the stack config a broker's file carries: only what it reads at start. */
export type BrokerSettings = Pick<StackConfig, "ports">;

/** What one broker's file is rendered from. */
export interface BrokerConfigInput {
  /** The broker's id, or the placeholder when each pod fills it in. */
  brokerId: number | typeof BROKER_ID_PLACEHOLDER;
  /** The rack (availability zone) partition placement spreads replicas over. */
  rack?: string;
  /** Whether the admin API requires the bearer token in `BROKER_PATHS.adminToken`. */
  adminTokenRequired: boolean;
  /** Whether the admin API serves HTTPS with the files at `BROKER_PATHS.tls*`. Defaults to false. */
  tls?: boolean;
  settings: BrokerSettings;
}

/**
 * Bytes as the runbook writes them (`100GB`): the one size formatter's exact form
 * (`common/units.ts`), the text the broker config files have always held.
 */
export function formatSize(bytes: number): string {
  return formatSizeIn(bytes, "exact");
}

/** The broker's config file text. Pure and deterministic: same input, same bytes. */
export function renderBrokerConfig(input: BrokerConfigInput): string {
  const { ports } = input.settings;
  const doc = {
    broker: { id: input.brokerId, ...(input.rack !== undefined ? { rack: input.rack } : {}) },
    listeners: {
      client: `0.0.0.0:${ports.client}`,
      admin: `0.0.0.0:${ports.admin}`,
      raft: `0.0.0.0:${ports.raft}`,
    },
    // Seeds are read only to find the cluster at first start; they live in their own file so
    // that adding a broker rewrites the seeds everywhere without restarting every broker.
    cluster: { seeds_file: BROKER_PATHS.seeds },
    admin: {
      ...(input.adminTokenRequired ? { token_file: BROKER_PATHS.adminToken } : { auth: "none" }),
      // The key travels as a secret (aws: over ssh from a secret output; kubernetes: a Secret);
      // this file names only where it is.
      ...(input.tls
        ? {
            tls: {
              cert_file: BROKER_PATHS.tlsCertificate,
              key_file: BROKER_PATHS.tlsKey,
              ca_file: BROKER_PATHS.tlsCa,
            },
          }
        : {}),
    },
    // Retention, compaction, flush interval and compression live in the cluster's dynamic
    // config (ClusterConfig): one owner per setting, and no restart when one changes.
    storage: { data_dir: BROKER_PATHS.dataDir },
  };
  return `# Rendered by streambus-infra from the stack config: edits here are overwritten.\n${stringify(doc)}`;
}

/** A short content hash: the trigger that re-runs the push when the text changes. */
export function configHash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}
