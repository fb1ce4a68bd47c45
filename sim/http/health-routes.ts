import { memoryUsage } from "node:process";
import type { HealthResponse, ReadyResponse } from "../../procedures/contract";
import type { Cluster } from "../cluster";
import { memberState } from "../membership";
import { BROKER_VERSION } from "../model";
import { syncProgress } from "../replication";
import { json, type Reply, type Router } from "./router";

/** Why a broker is not healthy, in its own view, or null when it is. */
function unhealthyReason(c: Cluster, id: number): string | null {
  const m = c.machines.get(id);
  if (m?.left) return "removed from the cluster: restart the broker to register again";
  if (!c.meta.members.has(id)) return "not registered with the cluster yet";
  if (c.raft.view(id).leaderId === null) return "no leader: election in progress or no quorum";
  return null;
}

/** Why a broker is not ready, or null when it is. */
function notReadyReason(c: Cluster, id: number): ReadyResponse | null {
  const rec = c.meta.members.get(id);
  if (!rec || rec.state === "learner" || c.machines.get(id)?.left)
    return { status: "not_ready", reason: "joining" };
  if (c.raft.view(id).leaderId === null) return { status: "not_ready", reason: "no_quorum" };
  // A member's process that just (re)started has not registered again and caught up yet.
  if ((c.machines.get(id)?.registerAt ?? null) !== null)
    return { status: "not_ready", reason: "catching_up" };
  const behind = [...c.meta.partitions.values()].some((p) => p.replicas.includes(id) && !p.isr.includes(id));
  if (behind || syncProgress(c, id) < 1) return { status: "not_ready", reason: "catching_up" };
  if (c.meta.readOnly) return { status: "not_ready", reason: "read_only" };
  if (memberState(c, rec) === "draining") return { status: "not_ready", reason: "draining" };
  return null;
}

/** `/health`, `/health/live`, `/health/ready`, `/metrics` and `/debug/pprof/*` of every broker. */
export function addHealthRoutes(router: Router, c: Cluster): void {
  router
    .on("GET", "/health", "health", ({ brokerId }): Reply => {
      const reason = unhealthyReason(c, brokerId);
      const role = c.meta.members.get(brokerId)?.voter ? c.raft.view(brokerId).role : "learner";
      const body: HealthResponse = reason
        ? { status: "unhealthy", reason, broker_id: brokerId, role, version: BROKER_VERSION }
        : { status: "healthy", broker_id: brokerId, role, version: BROKER_VERSION };
      return json(reason ? 503 : 200, body);
    })
    .on("GET", "/health/live", "health_live", () => json(200, { status: "live" }))
    .on("GET", "/health/ready", "health_ready", ({ brokerId }) => {
      const notReady = notReadyReason(c, brokerId);
      return notReady ? json(503, notReady) : json(200, { status: "ready" });
    })
    .on("GET", "/metrics", "metrics", ({ brokerId }) => ({
      status: 200,
      text: c.metrics.render(c, brokerId),
      contentType: "text/plain; version=0.0.4; charset=utf-8",
    }))
    .on("GET", "/debug/pprof/:profile", "pprof", ({ brokerId, params }) => {
      // There is no Go runtime to profile: the emulator reports its own process, in pprof's debug text spirit.
      const mem = memoryUsage();
      const lines = [
        `# emulated broker ${brokerId}: profile ${params["profile"] ?? ""}`,
        `# rss_bytes ${mem.rss}`,
        `# heap_used_bytes ${mem.heapUsed}`,
        `# partitions ${c.meta.partitions.size}`,
      ];
      return { status: 200, text: lines.join("\n") + "\n" };
    });
}
