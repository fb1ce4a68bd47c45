import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import type { Server } from "node:http";
import { Cluster } from "./cluster";
import { BrokerServers, listen, shut } from "./http/broker-server";
import { createControlServer } from "./http/control-server";
import { resolveOptions, type SimOptions } from "./options";
import { adminUrl } from "./membership";
import { loadState, saveState } from "./persistence";

export type { BrokerTls, SimOptions, SeedTopic } from "./options";
export { DEFAULT_TOPICS } from "./options";
export * from "./control-contract";

/** A running emulator. */
export interface SimCluster {
  /** The control API, e.g. `http://127.0.0.1:20000` (its routes are under `/sim`). */
  controlUrl: string;
  /** The control port; broker `i` serves on `basePort + i`. */
  basePort: number;
  /** The admin URL of broker `id` (`https://` when it serves with a certificate). */
  brokerUrl(id: number): string;
  /** Stops every server and the clock, and writes the state dir one last time. */
  stop(): Promise<void>;
}

/** Ports a found range reserves beyond the brokers started at once, for brokers provisioned later. */
const HEADROOM = 16;

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

/**
 * The first port of the kernel's ephemeral range (Linux's `ip_local_port_range`), where the
 * system hands out ports to outgoing connections and to servers that listen on port 0.
 */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 12_000 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

/**
 * Finds `count` consecutive free loopback ports and returns the first. They are taken below the
 * ephemeral range: a port free now must stay free for brokers provisioned later, and inside that
 * range any process's next connection or port-0 server may take it meanwhile.
 */
export async function findFreeRange(count: number): Promise<number> {
  const top = ephemeralLow() - count;
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 10_000 + Math.floor(Math.random() * (top - 10_000));
    let ok = true;
    for (let p = base; p < base + count && ok; p++) ok = await portFree(p);
    if (ok) return base;
  }
  throw new Error(`no ${count} consecutive free ports found on 127.0.0.1`);
}

/**
 * Starts an emulated StreamBus cluster on loopback: the control API on `basePort`, broker `i`'s
 * admin API on `basePort + i`. With `brokers: N`, broker 1 bootstraps the cluster, 2 and 3 join
 * as voters and the rest register as learners; with `stateDir`, a saved cluster comes back.
 */
export async function startSim(options: SimOptions = {}): Promise<SimCluster> {
  const opts = resolveOptions(options);
  if (!opts.basePort) opts.basePort = await findFreeRange(opts.brokers + HEADROOM);
  const c = new Cluster(opts);
  const servers = new BrokerServers(c);
  const restored = opts.stateDir !== undefined && loadState(c, opts.stateDir);
  if (restored) {
    c.log(
      `state restored from ${opts.stateDir}: ${c.meta.members.size} members, ${c.meta.partitions.size} partitions`,
    );
  } else {
    for (let id = 1; id <= opts.brokers; id++)
      c.provision(id, ["a", "b", "c"][(id - 1) % 3] ?? null, id <= 3);
  }
  const control: Server = createControlServer(c, servers);
  await listen(control, opts.basePort);
  for (const m of c.machines.values()) if (m.running) await servers.open(m.id);
  c.start();
  // The state dir is written every second, data-plane offsets included, so a restart loses
  // at most a second of synthetic traffic and never an acknowledged message's record.
  const saver = opts.stateDir ? setInterval(() => saveState(c, opts.stateDir as string), 1_000) : undefined;
  let stopped = false;
  return {
    controlUrl: `http://127.0.0.1:${opts.basePort}`,
    basePort: opts.basePort,
    brokerUrl: (id) => adminUrl(c, id),
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(saver);
      c.stop();
      if (opts.stateDir) saveState(c, opts.stateDir);
      await Promise.all([servers.closeAll(), shut(control)]);
    },
  };
}
