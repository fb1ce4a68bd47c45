import { describe, expect, it } from "vitest";
import { grafanaDashboard, renderDashboardJson } from "./index";

const CONTRACT_METRICS = new Set([
  "up",
  "raft_state",
  "raft_term",
  "partitions_under_replicated",
  "rebalance_in_progress",
  "sync_progress",
  "request_duration_seconds_bucket",
  "errors_total",
  "disk_free_bytes",
  "disk_total_bytes",
]);
const FUNCTIONS = new Set([
  "sum",
  "max",
  "min",
  "by",
  "on",
  "group_left",
  "histogram_quantile",
  "rate",
  "broker_id",
  "le",
  "op",
]);

describe("the Grafana dashboard", () => {
  const dashboard = grafanaDashboard({ job: "sb-prod" });

  it("has the issue's panels, with unique ids and non-overlapping places", () => {
    expect(dashboard.panels.map((p) => p.title)).toEqual([
      "Brokers up",
      "Leader and term",
      "Under-replicated partitions",
      "Rebalance progress",
      "Request latency",
      "Error rate",
      "Disk use",
    ]);
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
    const places = dashboard.panels.map((p) => `${p.gridPos.x},${p.gridPos.y}`);
    expect(new Set(places).size).toBe(places.length);
  });

  it("queries only the contract's metric names, under the stack's job", () => {
    for (const panel of dashboard.panels) {
      expect(panel.targets.length).toBeGreaterThan(0);
      for (const { expr } of panel.targets) {
        const identifiers = expr.replace(/\{[^}]*\}|\[[^\]]*\]|"[^"]*"/g, "").match(/[a-z_]+/g) ?? [];
        for (const id of identifiers)
          expect(CONTRACT_METRICS.has(id) || FUNCTIONS.has(id), `${id} in ${expr}`).toBe(true);
        if (/[a-z_]+\{/.test(expr)) expect(expr).toContain('job="sb-prod"');
      }
    }
  });

  it("shows p50, p95 and p99 latency from summed bucket rates", () => {
    const latency = dashboard.panels.find((p) => p.title === "Request latency");
    expect(latency?.targets.map((t) => t.legendFormat)).toEqual(["p50", "p95", "p99"]);
    expect(latency?.targets[2]?.expr).toBe(
      'histogram_quantile(0.99, sum by (le) (rate(request_duration_seconds_bucket{job="sb-prod"}[$__rate_interval])))',
    );
  });

  it("renders as stable JSON", () => {
    const text = renderDashboardJson();
    expect(JSON.parse(text)).toEqual(grafanaDashboard());
    expect(renderDashboardJson()).toBe(text);
  });
});
