import * as pulumi from "@pulumi/pulumi";
import type { ClusterConfigInputs, ClusterConfigOutputs } from "../providers/cluster-config";
import type { ClusterQuotasInputs, ClusterQuotasOutputs, QuotaEntry } from "../providers/cluster-quotas";
import type { RollingRestartInputs, RollingRestartOutputs } from "../providers/rolling-restart";
import { shimProvider } from "../providers/shim";
import type { TopicInputs, TopicOutputs } from "../providers/topic";
import type { StackConfig } from "../common/config-types";

/**
 * The live cluster's settings as resources over the admin API: the dynamic configuration,
 * the quotas and each topic. Each setting has this one owner (the brokers' config files hold
 * none of them), so `pulumi refresh` sees a hand-made change and a change restarts nothing.
 * The admin token reaches the providers through the stack's config, never through inputs.
 */

type Urls = pulumi.Input<Record<string, pulumi.Input<string>>>;
type WithUrls<T> = Omit<T, "adminUrls" | "caCertificate"> & {
  adminUrls: Urls;
  caCertificate?: pulumi.Input<string>;
};

/** The cluster's dynamic configuration (`PUT /admin/config`): retention, compaction, flush interval, compression. */
export class ClusterConfig extends pulumi.dynamic.Resource {
  /** Retention as the cluster holds it (bytes, milliseconds). */
  declare public readonly retention: pulumi.Output<ClusterConfigOutputs["retention"]>;

  constructor(name: string, args: WithUrls<ClusterConfigInputs>, opts?: pulumi.CustomResourceOptions) {
    super(
      shimProvider<ClusterConfigInputs, ClusterConfigOutputs>("providers/cluster-config"),
      name,
      { ...args },
      opts,
      "streambus",
      "ClusterConfig",
    );
  }
}

/** The cluster's quotas (`POST /admin/quotas`): the default and the declared clients'. */
export class ClusterQuotas extends pulumi.dynamic.Resource {
  /** The default quota as the cluster holds it. */
  declare public readonly default: pulumi.Output<QuotaEntry>;

  constructor(name: string, args: WithUrls<ClusterQuotasInputs>, opts?: pulumi.CustomResourceOptions) {
    super(
      shimProvider<ClusterQuotasInputs, ClusterQuotasOutputs>("providers/cluster-quotas"),
      name,
      { ...args },
      opts,
      "streambus",
      "ClusterQuotas",
    );
  }
}

/** One topic (`PUT /admin/topics/{name}`); deleted with its data only when `allowDelete` says so. */
export class Topic extends pulumi.dynamic.Resource {
  /** The topic's partitions as the cluster holds them. */
  declare public readonly partitions: pulumi.Output<number>;

  constructor(name: string, args: WithUrls<TopicInputs>, opts?: pulumi.CustomResourceOptions) {
    super(
      shimProvider<TopicInputs, TopicOutputs>("providers/topic"),
      name,
      { ...args },
      opts,
      "streambus",
      "Topic",
    );
  }
}

/** What {@link createLiveSettings} declares. */
export interface LiveSettings {
  config: ClusterConfig;
  quotas: ClusterQuotas;
  topics: Topic[];
}

/** Drops the keys whose value is undefined (the engine refuses undefined inputs inside objects). */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Declares the live settings of `config` under `parent`, each depending on `after` (the
 * membership resources): the cluster has a leader and its members are active before a setting
 * is written, so a cluster comes up from nothing in one `pulumi up`.
 */
export function createLiveSettings(
  name: string,
  config: StackConfig,
  adminUrls: Urls,
  after: pulumi.Resource[],
  parent: pulumi.Resource,
  caCertificate?: pulumi.Input<string>,
): LiveSettings {
  const opts: pulumi.CustomResourceOptions = { parent, dependsOn: after };
  // The CA reaches each provider as an input beside the URLs (absent: plain HTTP, or public CAs).
  const tls = caCertificate !== undefined ? { caCertificate } : {};
  const settings = new ClusterConfig(
    `${name}-cluster-config`,
    {
      adminUrls,
      ...tls,
      retention: config.retention,
      compaction: config.compaction,
      storage: config.storage,
      network: config.network,
    },
    opts,
  );
  const quotas = new ClusterQuotas(
    `${name}-quotas`,
    {
      adminUrls,
      ...tls,
      default: defined(config.quotas.default),
      clients: Object.fromEntries(Object.entries(config.quotas.clients).map(([c, q]) => [c, defined(q)])),
    },
    opts,
  );
  const topics = config.topics.map(
    (t) =>
      new Topic(
        `${name}-topic-${t.name}`,
        {
          adminUrls,
          ...tls,
          name: t.name,
          partitions: t.partitions,
          replicationFactor: t.replicationFactor,
          cleanupPolicy: t.cleanupPolicy,
          ...(t.retention !== undefined ? { retention: defined(t.retention) } : {}),
          allowDelete: t.allowDelete,
          timeoutMs: config.rebalance.timeout,
        },
        opts,
      ),
  );
  return { config: settings, quotas, topics };
}

/**
 * The rolling restart of the emulator's brokers after their config file changed: one broker at
 * a time, followers first and the leader last, each after the cluster is healthy again (see
 * `providers/rolling-restart.ts`). On aws the chain of per-broker start commands does this, on
 * kubernetes the StatefulSet's rolling update with readiness on `/health/ready`.
 */
export class RollingRestart extends pulumi.dynamic.Resource {
  /** The brokers the last change restarted, in order. */
  declare public readonly restarted: pulumi.Output<number[]>;

  constructor(name: string, args: WithUrls<RollingRestartInputs>, opts?: pulumi.CustomResourceOptions) {
    super(
      shimProvider<RollingRestartInputs, RollingRestartOutputs>("providers/rolling-restart"),
      name,
      { ...args, restarted: undefined },
      opts,
      "streambus",
      "RollingRestart",
    );
  }
}
