import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import { setTimeout as sleep } from "node:timers/promises";
import type { Cluster } from "../cluster";
import { ApiError } from "../errors";
import { addConfigRoutes } from "./config-routes";
import { addHealthRoutes } from "./health-routes";
import { tlsOf } from "../membership";
import { addMembershipRoutes } from "./membership-routes";
import { errorReply, readBody, Router, send, type Reply } from "./router";

/** Calls slower than this go to the slow-query log. */
const SLOW_SECONDS = 0.1;

/** A broker's admin API server: plain HTTP, or HTTPS when the broker has a certificate. */
type AnyServer = Server | HttpsServer;

/** Listens on a loopback port; resolves once listening, rejects if the port is taken. */
export function listen(server: AnyServer, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/** Closes a server and drops its open connections, as a crashed process would. */
export function shut(server: AnyServer): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/**
 * The admin API of every broker: one HTTP server per running broker on `basePort + id`, all
 * answering from the shared model with their own broker id. Each request goes through auth,
 * reading the body, the injected faults (latency first, then errors), the route, and the metrics.
 */
export class BrokerServers {
  private readonly servers = new Map<number, AnyServer>();
  private readonly router = new Router();

  constructor(private readonly c: Cluster) {
    addHealthRoutes(this.router, c);
    addMembershipRoutes(this.router, c);
    addConfigRoutes(this.router, c);
  }

  /**
   * Starts serving broker `id`'s admin API: over HTTPS with the certificate its process read at
   * start (its machine's own, else the emulator's), else over plain HTTP.
   */
  async open(id: number): Promise<void> {
    if (this.servers.has(id)) return;
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.handle(id, req, res);
    const tls = tlsOf(this.c, id);
    const server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, handler) : createServer(handler);
    // A client that refuses the certificate (or speaks plain HTTP) ends its handshake: no log.
    if (tls) server.on("tlsClientError", () => undefined);
    server.keepAliveTimeout = 2_000;
    this.servers.set(id, server);
    try {
      await listen(server, this.c.opts.basePort + id);
    } catch (err) {
      this.servers.delete(id);
      throw err;
    }
  }

  /** Stops serving broker `id`'s admin API: its port refuses connections. */
  async close(id: number): Promise<void> {
    const server = this.servers.get(id);
    if (!server) return;
    this.servers.delete(id);
    await shut(server);
  }

  /** Stops every broker's server. */
  async closeAll(): Promise<void> {
    await Promise.all([...this.servers.keys()].map((id) => this.close(id)));
  }

  private async handle(id: number, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const method = req.method ?? "GET";
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const path = url.pathname.replace(/\/+$/, "") || "/";
    const op = this.router.opOf(method, path);
    const guarded = path.startsWith("/admin/") || path.startsWith("/debug/");
    this.c.requests.record(id, method, path);
    let reply: Reply;
    try {
      // Auth comes first: a caller without the token learns nothing else, not even that its body is bad.
      const token = this.c.opts.token;
      if (guarded && token && req.headers.authorization !== `Bearer ${token}`) {
        throw new ApiError(
          401,
          "unauthorized",
          "missing or wrong admin token (Authorization: Bearer <token>)",
        );
      }
      const body = await readBody(req);
      const fault = this.c.faults.faultOf(id);
      if (fault && fault.latencyMs > 0) await sleep(fault.latencyMs);
      // A write through a follower is forwarded: it also pays the leader's latency.
      const leader = this.c.raft.leaderId;
      const leaderFault = leader !== null && leader !== id ? this.c.faults.faultOf(leader) : undefined;
      if (guarded && method !== "GET" && leaderFault && leaderFault.latencyMs > 0)
        await sleep(leaderFault.latencyMs);
      const { route, params } = this.router.match(method, path);
      const ctx = { brokerId: id, method, path, params, query: url.searchParams, body, headers: req.headers };
      if (guarded && fault && Math.random() < fault.errorRate) {
        // Half the injected failures strike after the call took effect, as when a response is
        // lost: clients must retry, and the contract's idempotent writes make that safe.
        if (Math.random() < 0.5) await Promise.resolve(route.handler(ctx)).catch(() => undefined);
        throw new ApiError(500, "internal", `injected fault on broker ${id}`);
      }
      reply = await route.handler(ctx);
    } catch (err) {
      reply = errorReply(err);
    }
    if (!res.destroyed) send(res, reply);
    const seconds = (performance.now() - started) / 1000;
    this.c.metrics.observe(id, op, seconds);
    if (reply.status >= 500) this.c.metrics.error(id, op);
    if (seconds > SLOW_SECONDS && guarded) {
      this.c.storage.recordSlow(op, seconds * 1000, String(req.headers["user-agent"] ?? "unknown"));
    }
  }
}
