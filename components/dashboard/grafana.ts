/**
 * The StreamBus Grafana dashboard, generated: broker up, leader and term, under-replicated
 * partitions, rebalance progress, request latency quantiles, error rate and disk use, all
 * against the contract's metric names.
 */

/** What the dashboard is generated with. */
export interface DashboardOptions {
  /** The Prometheus job the brokers are scraped under. Defaults to `streambus`. */
  job?: string;
  /** The dashboard's title. Defaults to `StreamBus`. */
  title?: string;
  /** The dashboard's uid, stable so links survive regeneration. Defaults to `streambus`. */
  uid?: string;
}

/** A Grafana panel, as much of it as this dashboard uses. */
export interface Panel {
  id: number;
  type: "stat" | "timeseries";
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource: { type: "prometheus"; uid: string };
  targets: Array<{ refId: string; expr: string; legendFormat: string }>;
  fieldConfig: { defaults: { unit?: string; min?: number; max?: number }; overrides: [] };
}

/** A Grafana dashboard model (schema 39). */
export interface Dashboard {
  uid: string;
  title: string;
  tags: string[];
  timezone: "browser";
  schemaVersion: number;
  refresh: string;
  time: { from: string; to: string };
  templating: { list: unknown[] };
  panels: Panel[];
}

const DATASOURCE = { type: "prometheus" as const, uid: "${datasource}" };

/** The dashboard model. Pure: the same options always give the same JSON. */
export function grafanaDashboard(options: DashboardOptions = {}): Dashboard {
  const { job, title, uid } = { job: "streambus", title: "StreamBus", uid: "streambus", ...options };
  const sel = `job="${job}"`;
  const specs: Array<[Panel["type"], string, string | undefined, Array<[string, string]>]> = [
    ["stat", "Brokers up", "none", [[`sum(up{${sel}})`, "up"]]],
    [
      "timeseries",
      "Leader and term",
      "none",
      [
        [
          `max by (broker_id) (raft_state{${sel},state="leader"}) * on (broker_id) group_left max by (broker_id) (raft_term{${sel}})`,
          "leader {{broker_id}} term",
        ],
        [`max(raft_term{${sel}})`, "term"],
      ],
    ],
    [
      "timeseries",
      "Under-replicated partitions",
      "none",
      [[`max(partitions_under_replicated{${sel}})`, "under-replicated"]],
    ],
    [
      "timeseries",
      "Rebalance progress",
      "percentunit",
      [
        [`max(rebalance_in_progress{${sel}})`, "rebalance running"],
        [`min by (broker_id) (sync_progress{${sel}})`, "sync {{broker_id}}"],
      ],
    ],
    [
      "timeseries",
      "Request latency",
      "s",
      ["0.5", "0.95", "0.99"].map((q): [string, string] => [
        `histogram_quantile(${q}, sum by (le) (rate(request_duration_seconds_bucket{${sel}}[$__rate_interval])))`,
        `p${Number(q) * 100}`,
      ]),
    ],
    [
      "timeseries",
      "Error rate",
      "reqps",
      [[`sum by (broker_id, op) (rate(errors_total{${sel}}[$__rate_interval]))`, "{{broker_id}} {{op}}"]],
    ],
    [
      "timeseries",
      "Disk use",
      "percentunit",
      [[`1 - disk_free_bytes{${sel}} / disk_total_bytes{${sel}}`, "broker {{broker_id}}"]],
    ],
  ];
  const panels = specs.map(([type, panelTitle, unit, exprs], i): Panel => ({
    id: i + 1,
    type,
    title: panelTitle,
    // Two panels a row, 12 columns each, in the order above.
    gridPos: { x: (i % 2) * 12, y: Math.floor(i / 2) * 8, w: 12, h: 8 },
    datasource: DATASOURCE,
    targets: exprs.map(([expr, legendFormat], t) => ({
      refId: String.fromCharCode(65 + t),
      expr,
      legendFormat,
    })),
    fieldConfig: { defaults: unit === "percentunit" ? { unit, min: 0, max: 1 } : { unit }, overrides: [] },
  }));
  return {
    uid,
    title,
    tags: ["streambus"],
    timezone: "browser",
    schemaVersion: 39,
    refresh: "30s",
    time: { from: "now-6h", to: "now" },
    templating: {
      list: [
        { name: "datasource", type: "datasource", query: "prometheus", label: "Prometheus", current: {} },
      ],
    },
    panels,
  };
}

/** The dashboard as the JSON text Grafana imports (and its sidecar reads from a ConfigMap). */
export function renderDashboardJson(options: DashboardOptions = {}): string {
  return `${JSON.stringify(grafanaDashboard(options), null, 2)}\n`;
}
