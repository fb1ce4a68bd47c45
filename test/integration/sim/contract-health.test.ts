import { spawnSync } from "node:child_process";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  HealthResponse,
  LiveResponse,
  METRIC_NAMES,
  ReadyResponse,
  ApiErrorBody,
} from "../../../procedures/contract";
import type { SimCluster } from "../../../sim";
import { call, obj, startFormed, waitFor } from "./helpers";

const TOKEN = "s3cret-token";

/** A strict reading of Prometheus text format 0.0.4: every sample line well formed, after its TYPE. */
function checkExposition(text: string): Map<string, string[]> {
  const typed = new Map<string, string>();
  const samples = new Map<string, string[]>();
  const sample =
    /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (-?(?:\d+(?:\.\d+)?(?:e[+-]?\d+)?|\+Inf|NaN))$/;
  for (const line of text.trimEnd().split("\n")) {
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (gauge|counter|histogram|summary|untyped)$/.exec(line);
    if (type) {
      typed.set(type[1] as string, type[2] as string);
      continue;
    }
    if (line.startsWith("# HELP ")) continue;
    const m = sample.exec(line);
    if (!m) throw new Error(`malformed metrics line: ${line}`);
    const name = m[1] as string;
    const family = typed.has(name) ? name : name.replace(/_(bucket|sum|count)$/, "");
    if (!typed.has(family)) throw new Error(`sample before its TYPE: ${line}`);
    samples.set(family, [...(samples.get(family) ?? []), line]);
  }
  return samples;
}

describe("health and metrics (auth off)", () => {
  let sim: SimCluster;
  beforeAll(async () => {
    sim = await startFormed({ brokers: 4 });
  });
  afterAll(() => sim.stop());

  it("GET /health: 200 healthy with the role of each broker", async () => {
    const leader = await call(sim.brokerUrl(1), "GET", "/health");
    expect(leader.status).toBe(200);
    expect(HealthResponse.parse(leader.body)).toMatchObject({
      status: "healthy",
      broker_id: 1,
      role: "leader",
    });
    expect(obj(await call(sim.brokerUrl(2), "GET", "/health"))["role"]).toBe("follower");
    expect(obj(await call(sim.brokerUrl(4), "GET", "/health"))["role"]).toBe("learner");
  });

  it("GET /health/live: 200 live; GET /health/ready: 200 on a member, 503 joining on a learner", async () => {
    expect(LiveResponse.parse(obj(await call(sim.brokerUrl(3), "GET", "/health/live")))).toEqual({
      status: "live",
    });
    const ready = await call(sim.brokerUrl(1), "GET", "/health/ready");
    expect([ready.status, ReadyResponse.parse(ready.body)]).toEqual([200, { status: "ready" }]);
    const learner = await call(sim.brokerUrl(4), "GET", "/health/ready");
    expect([learner.status, learner.body]).toEqual([503, { status: "not_ready", reason: "joining" }]);
  });

  it("GET /health: 503 unhealthy with a reason while the broker has not registered", async () => {
    await call(sim.controlUrl, "POST", "/sim/brokers", { broker_id: 9 });
    const early = await call(sim.brokerUrl(9), "GET", "/health");
    expect(early.status).toBe(503);
    expect(HealthResponse.parse(early.body)).toMatchObject({ status: "unhealthy" });
    expect(typeof obj(early)["reason"]).toBe("string");
    await call(sim.controlUrl, "DELETE", "/sim/brokers/9");
  });

  it("GET /metrics: every series of the contract, broker_id on each, valid text format", async () => {
    await call(sim.brokerUrl(2), "GET", "/admin/cluster/members");
    const res = await call(sim.brokerUrl(1), "GET", "/metrics");
    expect(res.status).toBe(200);
    const samples = checkExposition(res.text);
    for (const name of METRIC_NAMES) {
      expect(samples.get(name)?.length, name).toBeGreaterThan(0);
      for (const line of samples.get(name) ?? []) expect(line).toContain('broker_id="1"');
    }
    expect(res.text).toContain('raft_state{broker_id="1",state="leader"} 1');
    expect(res.text).toMatch(/request_duration_seconds_bucket\{broker_id="1",op="[a-z_]+",le="\+Inf"\} \d+/);
    const promtool = spawnSync("promtool", ["check", "metrics"], { input: res.text, encoding: "utf8" });
    // promtool (Debian's prometheus package) is the reference when it is installed.
    if (!promtool.error) expect(promtool.stderr + promtool.stdout).not.toMatch(/error/i);
  });

  it("raft_term and raft_commit_index move: the leader commits while traffic flows", async () => {
    const read = async () => {
      const text = (await call(sim.brokerUrl(1), "GET", "/metrics")).text;
      return Number(/raft_commit_index\{broker_id="1"\} (\d+)/.exec(text)?.[1]);
    };
    const before = await read();
    await waitFor("the commit index to move", async () => (await read()) > before);
  });

  it("auth off: /admin/* and /debug/* answer without a token", async () => {
    expect((await call(sim.brokerUrl(3), "GET", "/admin/topics")).status).toBe(200);
    expect((await call(sim.brokerUrl(3), "GET", "/debug/pprof/goroutine")).status).toBe(200);
  });

  it("unknown paths answer 404 not_found and wrong methods 405, with the error body", async () => {
    const missing = await call(sim.brokerUrl(1), "GET", "/admin/nope");
    expect(missing.status).toBe(404);
    expect(ApiErrorBody.parse(missing.body).error).toBe("not_found");
    const wrong = await call(sim.brokerUrl(1), "PATCH", "/admin/cluster/members");
    expect(wrong.status).toBe(405);
    expect(ApiErrorBody.parse(wrong.body).error).toBe("invalid_request");
  });

  it("injected faults: latency slows a broker, error_rate 1 fails its /admin calls with 500 internal", async () => {
    await call(sim.controlUrl, "POST", "/sim/faults", { broker_id: 2, latency_ms: 200, error_rate: 1 });
    const started = Date.now();
    const failed = await call(sim.brokerUrl(2), "GET", "/admin/cluster/members");
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect([failed.status, ApiErrorBody.parse(failed.body).error]).toEqual([500, "internal"]);
    expect((await call(sim.brokerUrl(1), "GET", "/admin/cluster/members")).status).toBe(200);
    const metrics = (await call(sim.brokerUrl(2), "GET", "/metrics")).text;
    expect(metrics).toMatch(/errors_total\{broker_id="2",op="members"\} [1-9]/);
    await call(sim.controlUrl, "DELETE", "/sim/faults");
    expect((await call(sim.brokerUrl(2), "GET", "/admin/cluster/members")).status).toBe(200);
  });
});

describe("auth on", () => {
  let sim: SimCluster;
  beforeAll(async () => {
    sim = await startFormed({ brokers: 3, token: TOKEN });
  });
  afterAll(() => sim.stop());

  it("/admin/* and /debug/* need the bearer token: 401 unauthorized without it or with another", async () => {
    for (const path of ["/admin/cluster/members", "/admin/topics", "/debug/pprof/heap"]) {
      const none = await call(sim.brokerUrl(2), "GET", path);
      expect([none.status, ApiErrorBody.parse(none.body).error]).toEqual([401, "unauthorized"]);
      expect((await call(sim.brokerUrl(2), "GET", path, undefined, "wrong")).status).toBe(401);
      expect((await call(sim.brokerUrl(2), "GET", path, undefined, TOKEN)).status).toBe(200);
    }
    const write = await call(sim.brokerUrl(1), "PUT", "/admin/topics/t1", {
      partitions: 1,
      replication_factor: 1,
    });
    expect(write.status).toBe(401);
  });

  it("auth comes before the body: a write without the token answers 401 even with a broken or oversized body", async () => {
    const send = async (path: string, body: string, authorization?: string) => {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (authorization) headers["authorization"] = authorization;
      const res = await request(`${sim.brokerUrl(2)}${path}`, { method: "POST", headers, body });
      return { status: res.statusCode, body: (await res.body.json()) as unknown };
    };
    for (const body of ["{not json", "x".repeat(2 ** 20 + 1)]) {
      for (const authorization of [undefined, "Bearer wrong"]) {
        const res = await send("/admin/cluster/join", body, authorization);
        expect([res.status, ApiErrorBody.parse(res.body).error]).toEqual([401, "unauthorized"]);
      }
    }
    // With the token, the same broken body is the caller's mistake: 400 invalid_request.
    const bad = await send("/admin/cluster/join", "{not json", `Bearer ${TOKEN}`);
    expect([bad.status, ApiErrorBody.parse(bad.body).error]).toEqual([400, "invalid_request"]);
  });

  it("/health* and /metrics never need it", async () => {
    for (const path of ["/health", "/health/live", "/health/ready", "/metrics"]) {
      expect((await call(sim.brokerUrl(1), "GET", path)).status, path).toBe(200);
    }
  });
});
