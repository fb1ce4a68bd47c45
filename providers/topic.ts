import type * as pulumi from "@pulumi/pulumi";
import type { Cluster } from "../procedures/client";
import { runProcedure } from "../procedures/common";
import type { PutTopicRequest, Topic } from "../procedures/contract";
import { explain, hasUnknown, keepConfig, log, sameUrls, withCluster } from "./settings-common";
import { TOPIC_FIELDS, badValue, changedKeys, fromContract, getPath, toContract } from "./settings-units";

/**
 * One topic (`PUT`/`DELETE /admin/topics/{name}`). Created once enough members are active for
 * its replication factor; its partitions can grow; fewer partitions or another replication
 * factor is refused at preview, saying what to declare instead. Only the declared config is
 * written (the broker echoes the cluster's retention as the topic's, which is no override to
 * keep). Removing it from the stack deletes its data only with `allowDelete: true`.
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

function declaredFrom(news: TopicInputs, live: Topic): TopicOutputs {
  return { ...news, ...fromContract(TOPIC_FIELDS, live, news) } as TopicOutputs;
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
      return declaredFrom(news, answer);
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
      const live = await withCluster(props, (c) => liveTopic(c, props.name));
      // Gone from the cluster: refresh drops it, and the next up creates it again.
      if (live === undefined) return {};
      return { id, props: declaredFrom(props, live) satisfies TopicOutputs };
    } catch (error) {
      throw explain(error, `topic ${props.name} read`);
    }
  },
  async delete(_id, props) {
    if (props.allowDelete !== true) {
      throw new Error(
        `topic "${props.name}" is no longer declared (removed from streambus:topics, or the stack is being ` +
          `destroyed), and deleting it deletes its data: refused. To delete it, set allowDelete: true on it ` +
          `in streambus:topics, run \`pulumi up\`, then remove it and run \`pulumi up\` again. To keep the topic ` +
          `and stop managing it, run \`pulumi state delete <its URN>\` (\`pulumi stack --show-urns\` lists them).`,
      );
    }
    try {
      await withCluster(props, (c) => c.admin.deleteTopic(props.name));
      log(`streambus: topic ${props.name} deleted with its data (allowDelete: true)`);
    } catch (error) {
      throw explain(error, `topic ${props.name} delete`);
    }
  },
};
