import type * as pulumi from "@pulumi/pulumi";
import { rollingRestart } from "../procedures/rolling-restart";
import { SimControlClient } from "../sim/control-client";
import { explain, keepConfig, log, withCluster } from "./settings-common";

/**
 * The rolling restart of the emulator's brokers after their config file changed (the static
 * settings: ids, ports, seeds, data directory). The brokers' resources write the new file in
 * place; this one resource, after them and after the membership, restarts the brokers one at a
 * time, followers first and the leader last, each only once the cluster is healthy, has one
 * leader and every partition is in sync again (`procedures/rolling-restart.ts`). Loaded at
 * run time by the thin shim; the admin token comes through `configure`.
 */

/** Inputs of the rolling restart. */
export interface RollingRestartInputs {
  /** Broker id → admin URL reachable from where `pulumi` runs. */
  adminUrls: Record<string, string>;
  /** The CA that signed the brokers' admin API certificates (PEM), for `https://` URLs; absent: Node's public CAs. */
  caCertificate?: string;
  /** The emulator's control URL: where a broker is restarted. */
  controlUrl: string;
  /** The declared brokers. */
  brokers: number[];
  /** A hash of every broker's config file: a new one restarts the brokers. */
  configHash: string;
  /** How long the whole rolling restart may take, in milliseconds. */
  timeoutMs: number;
}

/** Outputs: the inputs, and the order of the last rolling restart. */
export interface RollingRestartOutputs extends RollingRestartInputs {
  /** The brokers restarted by the last change, in order (empty when none was needed). */
  restarted: number[];
}

/** Restarts one broker through the emulator's control API (a clean `systemctl restart`). */
async function restartOnEmulator(controlUrl: string, brokerId: number): Promise<void> {
  await new SimControlClient(controlUrl).restart(brokerId);
}

/** The brokers whose running process has not read the config file written last. */
async function pendingRestart(controlUrl: string): Promise<number[]> {
  const brokers = await new SimControlClient(controlUrl).brokers();
  return brokers.filter((b) => b.running && b.restart_pending === true).map((b) => b.broker_id);
}

async function restartAll(news: RollingRestartInputs): Promise<number[]> {
  return withCluster(news, async (cluster) => {
    const members = await cluster.refresh();
    const present = members.members.map((m) => m.broker_id);
    // Only those not restarted yet: an interrupted rolling restart continues where it stopped.
    const pending = await pendingRestart(news.controlUrl);
    // Followers first, the leader last: one leader election, not one per restart.
    const order = news.brokers
      .filter((id) => present.includes(id) && pending.includes(id))
      .sort((a, b) => Number(a === members.leader_id) - Number(b === members.leader_id) || a - b);
    if (order.length === 0) return [];
    log(
      `streambus: rolling restart for a new broker config: ${order.join(", ")} (leader ${members.leader_id} last)`,
    );
    const report = await rollingRestart(cluster, {
      brokers: order,
      deadlineMs: news.timeoutMs,
      restart: (id) => restartOnEmulator(news.controlUrl, id),
      onProgress: (e) => log(`streambus: ${e.message}`),
    });
    return report.restarted;
  });
}

/** The rolling restart provider's logic. */
export const provider: pulumi.dynamic.ResourceProvider<RollingRestartInputs, RollingRestartOutputs> = {
  async configure(req) {
    keepConfig(req.config);
  },
  async diff(_id, olds, news) {
    const changed = (
      ["configHash", "brokers", "adminUrls", "controlUrl", "timeoutMs", "caCertificate"] as const
    ).some((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
    return { changes: changed, replaces: [], deleteBeforeReplace: false };
  },
  async create(inputs) {
    // New brokers started with this config: nothing to restart.
    return { id: "rolling-restart", outs: { ...inputs, restarted: [] } satisfies RollingRestartOutputs };
  },
  async update(_id, olds, news) {
    if (olds.configHash === news.configHash) return { outs: { ...news, restarted: [] } };
    try {
      const restarted = await restartAll(news);
      return { outs: { ...news, restarted } satisfies RollingRestartOutputs };
    } catch (error) {
      throw explain(error, "rolling restart");
    }
  },
  async delete() {
    // Nothing to undo: the brokers keep running with the config they read.
  },
};
