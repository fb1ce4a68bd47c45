import type * as pulumi from "@pulumi/pulumi";
import type { Cluster } from "../procedures/client";
import { runProcedure } from "../procedures/common";
import type { ClusterConfig, PutTopicRequest, Topic } from "../procedures/contract";
import {
  clusterGoneConsent,
  clusterGoneError,
  everyBrokerRefused,
  explain,
  hasUnknown,
  keepConfig,
  log,
  sameUrls,
  withCluster,
} from "./settings-common";
import {
  TOPIC_FIELDS,
  badValue,
  changedKeys,
  fromContract,
  getPath,
  setPath,
  toContract,
  valueFromContract,
} from "./settings-units";

/**
 * One topic (`PUT`/`DELETE /admin/topics/{name}`). Created once enough members are active for
 * its replication factor; its partitions can grow; fewer partitions or another replication
 * factor is refused at preview, saying what to declare instead. Only the declared config is
 * written, and `PUT` replaces the topic's own keys whole, so a key the stack leaves out follows
 * the cluster's (the broker echoes the cluster's retention as the topic's, which is no override
 * to keep). A key set on the topic by hand that the stack leaves out is drift: `read` shows its
 * value, and the next `pulumi up` writes the declared keys alone, which puts it back to following
 * the cluster's. Removing the topic from the stack deletes its data only with `allowDelete: true`.
 */

/** Inputs of a topic, in stack units. */
export interface TopicInputs {
  /** Broker id → admin URL reachable from where `pulumi` runs. */
  adminUrls: Record<string, string>;
  /** The CA that signed the brokers' admin API certificates (PEM), for `https://` URLs; absent: Node's public CAs. */
  caCertificate?: string;
  /** The topic's name: its identity. */
  name: string;
  partitions: number;
  replicationFactor: number;
  cleanupPolicy: "delete" | "compact";
  /** The topic's own retention, in bytes and milliseconds; what is left out follows the cluster's. */
  retention?: { maxBytes?: number; maxAge?: number };
  /** Whether removing the topic from the stack (or destroying the stack) may delete its data. */
  allowDelete: boolean;
  /** How long a create may wait for enough active members, in milliseconds. */
  timeoutMs: number;
}

/** Outputs: the declared fields as the cluster holds them. */
export type TopicOutputs = TopicInputs;

/** `streambus:topics` entry of a topic, as error messages name it. */
const keyOf = (name: string, field: string) => `streambus:topics (name: ${name}).${field}`;

/** The input check. */
export function checkTopicInputs(news: TopicInputs): pulumi.dynamic.CheckFailure[] {
  const failures: pulumi.dynamic.CheckFailure[] = [];
  const name = typeof news.name === "string" ? news.name : "?";
  if (!hasUnknown(news.name) && !/^[A-Za-z0-9._-]{1,249}$/.test(String(news.name))) {
    failures.push({
      property: "name",
      reason: `${keyOf(name, "name")}: must be 1 to 249 letters, digits, '.', '_' or '-'`,
    });
  }
  for (const field of TOPIC_FIELDS) {
    const value = getPath(news, field.key);
    if (hasUnknown(value)) continue;
    const why =
      badValue(field, value) ?? (field.kind === "count" && value === 0 ? "must be at least 1" : undefined);
    if (why !== undefined)
      failures.push({ property: field.key, reason: `${keyOf(name, field.key)}: ${why}` });
  }
  return failures;
}

/** The topic named `name` in the live cluster, or undefined. */
async function liveTopic(cluster: Cluster, name: string): Promise<Topic | undefined> {
  return (await cluster.admin.topics()).topics.find((t) => t.name === name);
}

/** Refuses a change the cluster cannot make, at preview, naming what to declare instead. */
function refuseImpossible(news: TopicInputs, partitions: number, rf: number, where: string): void {
  if (news.replicationFactor !== rf) {
    throw new Error(
      `${keyOf(news.name, "replicationFactor")}: is ${news.replicationFactor}, but topic "${news.name}" has ` +
        `replication factor ${rf} (${where}), and a topic's replication factor cannot change: declare ${rf}, ` +
        `or declare a new topic with the factor you want and move its producers and consumers over`,
    );
  }
  if (news.partitions < partitions) {
    throw new Error(
      `${keyOf(news.name, "partitions")}: is ${news.partitions}, but topic "${news.name}" has ${partitions} ` +
        `partitions (${where}), and partitions cannot be removed: raise it to ${partitions} or more in the stack`,
    );
  }
}

function body(news: TopicInputs): PutTopicRequest {
  const c = toContract(TOPIC_FIELDS, news) as unknown as PutTopicRequest;
  return { partitions: c.partitions, replication_factor: c.replication_factor, config: c.config ?? {} };
}

/** The topic's settings kept in its `config`, each with its key there (`retention_ms`). */
const CONFIG_FIELDS = TOPIC_FIELDS.filter((f) => f.contract.startsWith("config.")).map((field) => ({
  field,
  key: field.contract.slice("config.".length),
}));

/**
 * The keys a topic that does not set them takes from the cluster's config, and what it gives. A key
 * with no counterpart there (`cleanup_policy`) has a fixed default: only its value can drift.
 */
const FROM_CLUSTER: Readonly<Record<string, (config: ClusterConfig) => unknown>> = {
  retention_ms: (config) => config.retention.max_age_s * 1000,
  retention_bytes: (config) => config.retention.max_bytes,
};

/** The keys a topic sets itself; `exact` is false when they were judged by value (an older broker). */
interface OwnKeys {
  keys: ReadonlySet<string>;
  exact: boolean;
}

/**
 * The keys `live` sets on the topic itself. A 1.5.0 broker names them (`overrides`). An older one
 * does not: a key whose value in force differs from what the cluster's config gives is taken as
 * set on the topic; one equal to it cannot be told from following the cluster and is taken as
 * following it (so an older broker shows a hand-set key as drift only while its value differs).
 */
async function ownKeys(cluster: Cluster, live: Topic): Promise<OwnKeys> {
  if (live.overrides !== undefined) return { keys: new Set(live.overrides), exact: true };
  const config = await cluster.admin.config();
  const keys = CONFIG_FIELDS.filter(({ key }) => {
    const value = (live.config as Record<string, unknown>)[key];
    const inherited = FROM_CLUSTER[key]?.(config);
    return value !== undefined && inherited !== undefined && value !== inherited;
  }).map(({ key }) => key);
  return { keys: new Set(keys), exact: false };
}

/**
 * The outputs for `news` as the cluster holds the topic: each declared field's live value, and
 * where the topic's own keys differ from what the stack declares, that too, so that refresh and
 * the drift check see it and the next `pulumi up` writes the declared keys back:
 * - a key the stack leaves out that the topic sets itself (a retention set by hand): its live value;
 * - a key the stack declares that the topic does not set, so it follows the cluster's (a key the
 *   cluster's config gives, `FROM_CLUSTER`): `null`.
 * A value the broker only echoes from the cluster's config stays out: no false drift.
 */
function declaredFrom(news: TopicInputs, live: Topic, own?: OwnKeys): TopicOutputs {
  const out = { ...news, ...fromContract(TOPIC_FIELDS, live, news) } as Record<string, unknown>;
  for (const { field, key } of CONFIG_FIELDS) {
    const declared = getPath(news, field.key) !== undefined && getPath(news, field.key) !== null;
    const value = (live.config as Record<string, unknown>)[key];
    if (!declared && own?.keys.has(key) && value !== undefined)
      setPath(out, field.key, valueFromContract(field, value));
    if (declared && own?.exact && !own.keys.has(key) && key in FROM_CLUSTER) setPath(out, field.key, null);
  }
  return out as unknown as TopicOutputs;
}

/** {@link declaredFrom} with the topic's own keys asked of the cluster. */
async function liveOutputs(cluster: Cluster, news: TopicInputs, live: Topic): Promise<TopicOutputs> {
  return declaredFrom(news, live, await ownKeys(cluster, live));
}

/** Waits for enough active members for the replication factor, then writes the topic. */
async function put(news: TopicInputs): Promise<TopicOutputs> {
  return withCluster(news, (cluster) =>
    runProcedure(`topic ${news.name}`, news.timeoutMs, {}, async (ctx) => {
      ctx.left = `${news.replicationFactor} active members for topic "${news.name}" (its replication factor)`;
      await ctx.waitUntil(
        () => cluster.refresh(ctx.call),
        (m) => m.members.filter((x) => x.state === "active").length >= news.replicationFactor,
        (m) => {
          const active = m.members.filter((x) => x.state === "active").length;
          if (active < news.replicationFactor)
            log(
              `streambus: topic ${news.name} waits for ${news.replicationFactor} active members (${active} now)`,
            );
        },
      );
      ctx.left = `PUT /admin/topics/${news.name}`;
      const answer = await cluster.admin.putTopic(news.name, body(news), ctx.call);
      return liveOutputs(cluster, news, answer);
    }),
  );
}

/**
 * Topics whose inputs came through `check` in this provider process: a preview or an update of
 * the program. `pulumi refresh` also calls `diff` (olds: the live values just read; news: the
 * inputs in the state) to show drift, and there partitions grown by hand must show as drift,
 * not fail the refresh; so the refusals below apply only to what the program declared.
 */
const checked = new Set<string>();

/** Whether every broker of the topic's cluster refuses the connection (a read that changes nothing). */
async function refusesEveryConnection(props: TopicInputs): Promise<boolean> {
  try {
    await withCluster(props, (c) => c.admin.topics());
    return false;
  } catch (error) {
    return everyBrokerRefused(error);
  }
}

function clusterGoneWarning(name: string): string {
  return (
    `streambus: WARNING: topic ${name} dropped from the stack's state without deleting anything: every ` +
    `broker refused the connection and STREAMBUS_CLUSTER_GONE=true says the cluster is gone for good. ` +
    `If the cluster comes back, the topic and its data are still there`
  );
}

/** The topic provider's logic. */
export const provider: pulumi.dynamic.ResourceProvider<TopicInputs, TopicOutputs> = {
  async configure(req) {
    keepConfig(req.config);
  },
  async check(_olds, news) {
    if (typeof news.name === "string") checked.add(news.name);
    return { inputs: { ...news, allowDelete: news.allowDelete === true }, failures: checkTopicInputs(news) };
  },
  async diff(_id, olds, news) {
    if (olds.name !== news.name) return { changes: true, replaces: ["name"], deleteBeforeReplace: false };
    if (checked.has(news.name))
      refuseImpossible(news, olds.partitions, olds.replicationFactor, "in the stack's state");
    // Partitions grown by hand since the last refresh would make the update fail obscurely
    // (409 from the broker): ask the cluster now and say what to declare instead.
    if (checked.has(news.name) && !hasUnknown(news.adminUrls)) {
      const live = await withCluster(news, (c) => liveTopic(c, news.name)).catch(() => undefined);
      if (live !== undefined)
        refuseImpossible(news, live.partitions, live.replication_factor, "in the live cluster");
    }
    const changed = changedKeys(TOPIC_FIELDS, olds, news);
    const other =
      !sameUrls(olds.adminUrls, news.adminUrls) ||
      olds.caCertificate !== news.caCertificate ||
      olds.allowDelete !== news.allowDelete ||
      olds.timeoutMs !== news.timeoutMs;
    return { changes: changed.length > 0 || other, replaces: [], deleteBeforeReplace: false };
  },
  async create(inputs) {
    try {
      const outs = await put(inputs);
      log(
        `streambus: topic ${inputs.name} created: ${inputs.partitions} partitions, replication factor ${inputs.replicationFactor}`,
      );
      return { id: inputs.name, outs: outs satisfies TopicOutputs };
    } catch (error) {
      throw explain(error, `topic ${inputs.name}`);
    }
  },
  async update(_id, olds, news) {
    if (changedKeys(TOPIC_FIELDS, olds, news).length === 0) return { outs: news satisfies TopicOutputs };
    try {
      return { outs: (await put(news)) satisfies TopicOutputs };
    } catch (error) {
      throw explain(error, `topic ${news.name}`);
    }
  },
  async read(id, props) {
    if (props === undefined) return {};
    try {
      const outs = await withCluster(props, async (c) => {
        const live = await liveTopic(c, props.name);
        return live === undefined ? undefined : liveOutputs(c, props, live);
      });
      // Gone from the cluster: refresh drops it, and the next up creates it again.
      if (outs === undefined) return {};
      return { id, props: outs satisfies TopicOutputs };
    } catch (error) {
      throw explain(error, `topic ${props.name} read`);
    }
  },
  async delete(_id, props) {
    const what = `topic ${props.name} delete`;
    if (props.allowDelete !== true) {
      // With the user's consent, a cluster that refuses every connection lets the topic go from
      // the state; the probe deletes nothing, and a cluster that answers still gets the refusal.
      if (clusterGoneConsent() && (await refusesEveryConnection(props))) {
        log(clusterGoneWarning(props.name));
        return;
      }
      throw new Error(
        `topic "${props.name}" is no longer declared (removed from streambus:topics, or the stack is being ` +
          `destroyed), and deleting it deletes its data: refused. To delete it, set allowDelete: true on it ` +
          `in streambus:topics, run \`pulumi up\`, then remove it and run \`pulumi up\` again. To keep the topic ` +
          `and stop managing it, run \`pulumi state delete <its URN>\` (\`pulumi stack --show-urns\` lists them). ` +
          `If the whole cluster is gone for good, see docs/cluster-config.md, "Destroying a stack whose cluster is gone".`,
      );
    }
    try {
      await withCluster(props, (c) => c.admin.deleteTopic(props.name));
      log(`streambus: topic ${props.name} deleted with its data (allowDelete: true)`);
    } catch (error) {
      if (!everyBrokerRefused(error)) throw explain(error, what);
      if (!clusterGoneConsent()) throw clusterGoneError(error, what);
      log(clusterGoneWarning(props.name));
    }
  },
};
