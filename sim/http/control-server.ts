import { createServer, type Server } from "node:http";
import type { Cluster } from "../cluster";
import {
  BrokerConfigRequest,
  FaultRequest,
  NetworkRequest,
  ProvisionRequest,
  type SimBroker,
} from "../control-contract";
import { conflict, notFound } from "../errors";
import { adminUrl, memberState } from "../membership";
import { integrity } from "../replication";
import type { BrokerServers } from "./broker-server";
import { errorReply, idParam, json, parseBody, readBody, Router, send } from "./router";

/**
 * The control API under `/sim` on the control port: the platform (machines that are
 * provisioned, stopped, started, destroyed) and the faults (slow or failing APIs, network cuts),
 * plus the integrity check every scenario ends with.
 */
export function createControlServer(c: Cluster, servers: BrokerServers): Server {
  const router = new Router();
  const describe = (id: number): SimBroker => {
    const m = c.machines.get(id);
    const rec = c.meta.members.get(id);
    return {
      broker_id: id,
      rack: m?.rack ?? null,
      admin_url: adminUrl(c, id),
      running: m?.running ?? false,
      member_state: rec ? memberState(c, rec) : null,
      restart_pending:
        (m?.config ?? null) !== (m?.runningConfig ?? null) ||
        (m?.tls?.cert ?? null) !== (m?.runningTls?.cert ?? null),
    };
  };
  const machine = (id: number) => {
    const m = c.machines.get(id);
    if (!m) throw notFound(`no machine ${id}`, { broker_id: id });
    return m;
  };
  router
    .on("GET", "/sim/brokers", "brokers", () =>
      json(200, { brokers: [...c.machines.keys()].sort((a, b) => a - b).map(describe) }),
    )
    .on("POST", "/sim/brokers", "provision", async ({ body }) => {
      const req = parseBody(ProvisionRequest, body);
      const rack = req.rack ?? null;
      const existing = c.machines.get(req.broker_id);
      if (existing && existing.rack !== rack) {
        throw conflict(`machine ${req.broker_id} exists in rack ${existing.rack ?? "(none)"}`, {
          broker_id: req.broker_id,
        });
      }
      if (!existing) {
        c.provision(req.broker_id, rack, false, req.config ?? null, req.tls ?? null);
        try {
          await servers.open(req.broker_id);
        } catch (err) {
          c.destroyMachine(req.broker_id);
          throw err;
        }
      }
      return json(201, { broker_id: req.broker_id, admin_url: adminUrl(c, req.broker_id) });
    })
    .on("DELETE", "/sim/brokers/:id", "destroy", async (ctx) => {
      const id = idParam(ctx);
      await servers.close(id);
      c.destroyMachine(id);
      return json(200, { broker_id: id, destroyed: true });
    })
    .on("POST", "/sim/brokers/:id/stop", "stop", async (ctx) => {
      const id = idParam(ctx);
      machine(id);
      await servers.close(id);
      c.stopBroker(id);
      return json(200, describe(id));
    })
    .on("POST", "/sim/brokers/:id/start", "start", async (ctx) => {
      const id = idParam(ctx);
      machine(id);
      c.startBroker(id);
      await servers.open(id);
      c.log(`broker ${id} started`);
      return json(200, describe(id));
    })
    // The platform writes the broker's config file; the running process reads it at its next start.
    .on("PUT", "/sim/brokers/:id/config", "config_write", (ctx) => {
      const m = machine(idParam(ctx));
      const req = parseBody(BrokerConfigRequest, ctx.body);
      m.config = req.config;
      if (req.tls !== undefined) m.tls = req.tls;
      c.dirty = true;
      return json(200, describe(m.id));
    })
    // A clean restart (systemctl restart): the process stops, reads its config file and starts
    // again with its data. Recorded with the cluster's health when it began, for the rolling
    // restart's tests.
    .on("POST", "/sim/brokers/:id/restart", "restart", async (ctx) => {
      const id = idParam(ctx);
      machine(id);
      const now = integrity(c);
      const unhealthy = now.under_replicated + now.offline;
      // Brokers still coming back from a start: not registered again, or not following the leader.
      const settling = [...c.machines.values()]
        .filter((x) => x.running && (x.registerAt !== null || c.raft.view(x.id).leaderId !== c.raft.leaderId))
        .map((x) => x.id);
      c.restarts.push({
        broker_id: id,
        started_at: new Date().toISOString(),
        healthy_before: c.raft.leaderId !== null && unhealthy === 0 && settling.length === 0,
        leader_id: c.raft.leaderId,
        unhealthy_partitions: unhealthy,
        settling_brokers: settling,
      });
      await servers.close(id);
      c.stopBroker(id);
      c.startBroker(id);
      await servers.open(id);
      c.log(`broker ${id} restarted`);
      return json(200, describe(id));
    })
    .on("GET", "/sim/restarts", "restarts", () => json(200, { restarts: c.restarts }))
    .on("GET", "/sim/faults", "faults", () =>
      json(200, { faults: c.faults.describeFaults(), network: c.faults.currentGroups() ?? null }),
    )
    .on("POST", "/sim/faults", "faults_set", ({ body }) => {
      const req = parseBody(FaultRequest, body);
      c.faults.setFault(req.broker_id, { latencyMs: req.latency_ms, errorRate: req.error_rate });
      c.log(
        `fault on ${req.broker_id ?? "every broker"}: ${req.latency_ms} ms, error rate ${req.error_rate}`,
      );
      return json(200, { faults: c.faults.describeFaults() });
    })
    .on("DELETE", "/sim/faults", "faults_clear", () => {
      c.faults.clearFaults();
      return json(200, { faults: [] });
    })
    .on("POST", "/sim/network", "network_cut", ({ body }) => {
      const { groups } = parseBody(NetworkRequest, body);
      c.faults.cut(groups);
      c.log(`network cut into ${groups.map((g) => `[${g.join(", ")}]`).join(" ")}`);
      return json(200, { groups });
    })
    .on("DELETE", "/sim/network", "network_heal", () => {
      c.faults.heal();
      c.log("network healed");
      return json(200, { groups: null });
    })
    .on("GET", "/sim/integrity", "integrity", () => json(200, integrity(c)))
    .on("GET", "/sim/requests", "requests", () => json(200, c.requests.describe()))
    .on("DELETE", "/sim/requests", "requests_reset", () => {
      c.requests.reset();
      return json(200, c.requests.describe());
    })
    .on("GET", "/sim/cluster", "cluster", () =>
      json(200, {
        cluster_id: c.meta.clusterId,
        leader_id: c.raft.leaderId,
        term: c.raft.term,
        commit_index: c.raft.commitIndex,
        rebalance: c.moves.status(),
      }),
    );
  return createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const path = url.pathname.replace(/\/+$/, "") || "/";
      try {
        const body = await readBody(req);
        const { route, params } = router.match(req.method ?? "GET", path);
        const headers = req.headers;
        send(
          res,
          await route.handler({
            brokerId: 0,
            method: req.method ?? "GET",
            path,
            params,
            query: url.searchParams,
            body,
            headers,
          }),
        );
      } catch (err) {
        send(res, errorReply(err));
      }
    })();
  });
}
