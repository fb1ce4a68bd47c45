import type * as pulumi from "@pulumi/pulumi";
import type { ClusterConfig } from "../procedures/contract";
import { explain, freshRead, hasUnknown, keepConfig, log, sameUrls, withCluster } from "./settings-common";
import { CONFIG_FIELDS, badValue, changedKeys, fromContract, getPath, toContract } from "./settings-units";

/**
 * The cluster's dynamic configuration (`GET`/`PUT /admin/config`): retention, compaction, flush
 * interval and compression, owned here and nowhere else (not in the brokers' config files), so
 * a change is one `PUT` and restarts nothing. `PUT` replaces the whole object: the provider
 * reads it, changes what the stack declares, and writes it back, never from a stale read.
 * Loaded at run time by the thin shim; the admin token comes through `configure`.
 */

/** Inputs of the cluster config resource, in stack units (bytes, milliseconds). */
export interface ClusterConfigInputs {
  /** Broker id → admin URL reachable from where `pulumi` runs. */
  adminUrls: Record<string, string>;
  /** The CA that signed the brokers' admin API certificates (PEM), for `https://` URLs; absent: Node's public CAs. */
  caCertificate?: string;
  /** streambus:retention: `maxBytes` in bytes, `maxAge` in milliseconds (whole seconds). */
  retention: { maxBytes: number; maxAge: number };
  /** streambus:compaction: `interval` in milliseconds (whole seconds), `targetSize` in bytes. */
  compaction: { enabled: boolean; interval: number; targetSize: number };
  /** streambus:storage: `flushInterval` in milliseconds. */
  storage: { flushInterval: number };
  /** streambus:network. */
  network: { compression: boolean };
}

/** Outputs: the declared settings as the cluster holds them (after `refresh`, the live values). */
export type ClusterConfigOutputs = ClusterConfigInputs;

/** The input check: each failure names the stack key and what the contract can hold. */
export function checkConfigInputs(news: ClusterConfigInputs): pulumi.dynamic.CheckFailure[] {
  const failures: pulumi.dynamic.CheckFailure[] = [];
  for (const field of CONFIG_FIELDS) {
    const value = getPath(news, field.key);
    if (hasUnknown(value)) continue;
    if (value === undefined || value === null) {
      failures.push({ property: field.key, reason: `streambus:${field.key}: is required` });
      continue;
    }
    const why = badValue(field, value);
    if (why !== undefined) failures.push({ property: field.key, reason: `streambus:${field.key}: ${why}` });
  }
  return failures;
}

/** The declared settings as the cluster answered them. */
function declaredFrom(news: ClusterConfigInputs, live: ClusterConfig): ClusterConfigOutputs {
  return { ...news, ...fromContract(CONFIG_FIELDS, live, news) } as ClusterConfigOutputs;
}

/** Read, change the declared fields, write only when something differs. */
async function apply(news: ClusterConfigInputs): Promise<ClusterConfigOutputs> {
  return withCluster(news, async (cluster) => {
    const live = await freshRead("the cluster config", (ctx) => cluster.admin.config(ctx.call));
    const changed = changedKeys(CONFIG_FIELDS, fromContract(CONFIG_FIELDS, live, news), news);
    if (changed.length === 0) return declaredFrom(news, live);
    const body = toContract(CONFIG_FIELDS, news, live) as ClusterConfig;
    const answer = await cluster.admin.putConfig(body);
    log(`streambus: cluster config: ${changed.join(", ")} set live (PUT /admin/config, no restart)`);
    return declaredFrom(news, answer);
  });
}

/** The cluster config provider's logic. */
export const provider: pulumi.dynamic.ResourceProvider<ClusterConfigInputs, ClusterConfigOutputs> = {
  async configure(req) {
    keepConfig(req.config);
  },
  async check(_olds, news) {
    return { inputs: news, failures: checkConfigInputs(news) };
  },
  async diff(_id, olds, news) {
    const changed = changedKeys(CONFIG_FIELDS, olds, news);
    // New URLs (a replaced machine) change no setting, but the state must learn them.
    const urls = !sameUrls(olds.adminUrls, news.adminUrls) || olds.caCertificate !== news.caCertificate;
    return { changes: changed.length > 0 || urls, replaces: [], deleteBeforeReplace: false };
  },
  async create(inputs) {
    try {
      return { id: "cluster-config", outs: (await apply(inputs)) satisfies ClusterConfigOutputs };
    } catch (error) {
      throw explain(error, "cluster config");
    }
  },
  async update(_id, _olds, news) {
    try {
      return { outs: (await apply(news)) satisfies ClusterConfigOutputs };
    } catch (error) {
      throw explain(error, "cluster config");
    }
  },
  async read(id, props) {
    if (props === undefined) return {};
    try {
      const live = await withCluster(props, (cluster) => cluster.admin.config());
      // A stale answer is still what the brokers hold; only writing it back would be wrong.
      if (live.stale === true) log("streambus: cluster config read while the cluster has no leader (stale)");
      return { id, props: declaredFrom(props, live) satisfies ClusterConfigOutputs };
    } catch (error) {
      throw explain(error, "cluster config read");
    }
  },
  async delete() {
    // The cluster keeps settings of some kind whatever the stack says: there is nothing to undo,
    // and a destroyed cluster takes them with it.
    log("streambus: cluster config no longer managed: the cluster keeps its settings as they are");
  },
};
