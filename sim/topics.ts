import type {
  ClusterConfig,
  DeleteTopicResponse,
  PutTopicRequest,
  Quotas,
  QuotasRequest,
  Topic,
  TopicConfig,
} from "../procedures/contract";
import type { Cluster } from "./cluster";
import { conflict, invalid, unsafe } from "./errors";
import { activeMembers, replicaCounts } from "./membership";
import { MESSAGE_BYTES, partitionKey, type TopicRecord } from "./model";
import { placeNewPartition } from "./placement";

const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;

/**
 * A topic as the API shows it (a 1.5.0 broker's view): `config` is what is in force, the topic's
 * own keys over the cluster's retention as `GET /admin/config` holds it now (so a key the topic
 * does not set follows a later `PUT /admin/config`); `overrides` names the topic's own keys.
 */
export function topicView(c: Cluster, t: TopicRecord): Topic {
  const r = c.meta.config.retention;
  const own = ownKeys(t.config);
  return {
    name: t.name,
    partitions: t.partitions,
    replication_factor: t.replicationFactor,
    config: {
      retention_ms: r.max_age_s * 1000,
      retention_bytes: r.max_bytes,
      cleanup_policy: "delete",
      ...own,
    },
    overrides: Object.keys(own).sort(),
  };
}

/** The keys a topic sets itself: a key present with no value is not set. */
function ownKeys(config: TopicConfig | undefined): TopicConfig {
  return Object.fromEntries(Object.entries(config ?? {}).filter(([, v]) => v !== undefined)) as TopicConfig;
}

/** Creates partitions `from..to-1` of a topic on the least-loaded active members, racks spread. */
function addPartitions(c: Cluster, t: TopicRecord, from: number, to: number, size: number): void {
  const brokers = activeMembers(c).map((m) => ({ id: m.id, rack: m.rack }));
  if (t.replicationFactor > brokers.length) {
    throw unsafe(
      "replication",
      `replication factor ${t.replicationFactor} exceeds ${brokers.length} active members`,
    );
  }
  const load = replicaCounts(c);
  const leads = new Map<number, number>();
  for (const p of c.meta.partitions.values())
    if (p.leader !== null) leads.set(p.leader, (leads.get(p.leader) ?? 0) + 1);
  const offset = Math.floor(size / MESSAGE_BYTES);
  for (let i = from; i < to; i++) {
    const placed = placeNewPartition(t.replicationFactor, brokers, load);
    // The replica that leads fewest partitions leads this one (first in the set: the preferred leader).
    const leader = placed.reduce((a, b) => ((leads.get(b) ?? 0) < (leads.get(a) ?? 0) ? b : a));
    leads.set(leader, (leads.get(leader) ?? 0) + 1);
    const replicas = [leader, ...placed.filter((b) => b !== leader)];
    c.meta.partitions.set(partitionKey(t.name, i), {
      topic: t.name,
      partition: i,
      replicas,
      isr: [...replicas],
      leader: replicas[0] ?? null,
      acked: offset,
      leo: new Map(replicas.map((b) => [b, offset])),
      diverged: new Map(),
      staleLeader: null,
      pending: 0,
    });
  }
}

/**
 * Seeds the configured topics once the cluster has enough active members for the largest
 * replication factor among them, as an application would create its topics at first start.
 */
export function seedTopics(c: Cluster): void {
  if (c.meta.seeded || c.raft.leaderId === null || c.opts.topics.length === 0) return;
  const need = Math.max(...c.opts.topics.map((t) => t.replicationFactor));
  if (activeMembers(c).length < need) return;
  for (const seed of c.opts.topics) {
    if (c.meta.topics.has(seed.name)) continue;
    const t: TopicRecord = {
      name: seed.name,
      partitions: seed.partitions,
      replicationFactor: seed.replicationFactor,
      config: {},
    };
    c.meta.topics.set(t.name, t);
    addPartitions(c, t, 0, t.partitions, seed.sizeBytes ?? 64 * 2 ** 20);
  }
  c.meta.seeded = true;
  c.commit();
  c.log(`seeded topics ${c.opts.topics.map((t) => t.name).join(", ")}`);
}

/**
 * `PUT /admin/topics/{name}`: creates or updates. Fewer partitions or another replication
 * factor for an existing topic is a `409 conflict`; a replication factor above the active
 * members is `409 unsafe` (`replication`).
 */
export function putTopic(c: Cluster, name: string, req: PutTopicRequest, via: number): Topic {
  c.writeGate(via);
  if (!TOPIC_NAME.test(name))
    throw invalid(`topic name ${JSON.stringify(name)} must match ${TOPIC_NAME.source}`);
  const existing = c.meta.topics.get(name);
  if (existing) {
    if (req.replication_factor !== existing.replicationFactor) {
      throw conflict(
        `topic ${name} has replication factor ${existing.replicationFactor}; it cannot change to ${req.replication_factor}`,
      );
    }
    if (req.partitions < existing.partitions) {
      throw conflict(`topic ${name} has ${existing.partitions} partitions; partitions cannot be removed`);
    }
    const changed = req.partitions > existing.partitions || (req.config && !sameConfig(existing, req));
    if (req.partitions > existing.partitions)
      addPartitions(c, existing, existing.partitions, req.partitions, 0);
    existing.partitions = req.partitions;
    // `config` replaces the topic's own keys whole: a key left out follows the cluster's from now
    // on. A body without `config` (the contract does not say) leaves the topic's keys as they are.
    if (req.config) existing.config = ownKeys(req.config);
    if (changed) c.commit();
    return topicView(c, existing);
  }
  const t: TopicRecord = {
    name,
    partitions: req.partitions,
    replicationFactor: req.replication_factor,
    config: ownKeys(req.config),
  };
  addPartitions(c, t, 0, t.partitions, 0);
  c.meta.topics.set(name, t);
  c.commit();
  c.log(`topic ${name} created: ${t.partitions} partitions, replication factor ${t.replicationFactor}`);
  return topicView(c, t);
}

function sameConfig(t: TopicRecord, req: PutTopicRequest): boolean {
  const sorted = (x: TopicConfig) => JSON.stringify(Object.entries(ownKeys(x)).sort());
  return sorted(t.config) === sorted(req.config ?? {});
}

/** `DELETE /admin/topics/{name}`: `200` whether or not it existed. */
export function deleteTopic(c: Cluster, name: string, via: number): DeleteTopicResponse {
  c.writeGate(via);
  const t = c.meta.topics.get(name);
  if (!t) return { name, deleted: false };
  for (let i = 0; i < t.partitions; i++) c.meta.partitions.delete(partitionKey(name, i));
  c.meta.topics.delete(name);
  c.commit();
  c.log(`topic ${name} deleted`);
  return { name, deleted: true };
}

/** `PUT /admin/config`: the whole dynamic configuration; answers what is now in force. */
export function putConfig(c: Cluster, config: ClusterConfig, via: number): ClusterConfig {
  c.writeGate(via);
  if (JSON.stringify(config) !== JSON.stringify(c.meta.config)) {
    c.meta.config = config;
    c.commit();
  }
  return c.meta.config;
}

/** `POST /admin/quotas`: replaces every quota; answers what is now in force. */
export function postQuotas(c: Cluster, req: QuotasRequest, via: number): Quotas {
  c.writeGate(via);
  const next: Quotas = { default: req.default ?? {}, clients: req.clients ?? {} };
  if (JSON.stringify(next) !== JSON.stringify(c.meta.quotas)) {
    c.meta.quotas = next;
    c.commit();
  }
  return c.meta.quotas;
}
