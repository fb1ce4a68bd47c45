import { ERROR_RATE_MEANING, errorRatePromQL } from "../../procedures/metrics/error-rate";
import { formatPromDuration } from "../../common/units";

/**
 * The runbook's six alerts ("Monitoring Alerts"), written once against the contract's metric
 * names, with the runbook's PromQL made correct:
 * - latency is a quantile over `sum by (le) (rate(..._bucket[w]))`, not over raw counters;
 * - the error rate is the project's one definition (`procedures/metrics/error-rate.ts`): errors per
 *   second of one broker, every op summed, as `streambus-ops latency` judges it too;
 * - disk uses `disk_free_bytes` / `disk_total_bytes` (the runbook's `disk_free` does not exist);
 * - "no quorum" also fires when no broker reports at all (`or vector(0)`), where the runbook's
 *   `sum(...) != 1` is empty and silent.
 */

/** Thresholds and links the rules are rendered with; the stack's `alerts` block. */
export interface AlertSettings {
  /** The Prometheus job the brokers are scraped under. Defaults to `streambus`. */
  job: string;
  /** The runbooks page; each rule links to its section. Defaults to `streambus-runbooks.md`. */
  runbookUrl: string;
  /** The window of every `rate()`, in ms. Defaults to 5 minutes. */
  rateWindow: number;
  /** Raft entries committed but not applied before ReplicationBehind fires. Defaults to 10000. */
  replicationLagEntries: number;
  /** The p99 request latency, in ms, above which HighLatency fires. Defaults to 1 s. */
  latencyP99: number;
  /** The free-disk fraction below which DiskSpaceLow fires. Defaults to 0.2. */
  diskFreeRatio: number;
  /** Errors per second of one broker, every op summed, above which HighErrorRate fires. Defaults to 10. */
  errorRate: number;
}

/** The runbook's thresholds. */
export const DEFAULT_ALERT_SETTINGS: AlertSettings = {
  job: "streambus",
  runbookUrl: "streambus-runbooks.md",
  rateWindow: 300_000,
  replicationLagEntries: 10_000,
  latencyP99: 1000,
  diskFreeRatio: 0.2,
  errorRate: 10,
};

/** One Prometheus alerting rule, in the rules-file shape. */
export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: "critical" | "warning" };
  /**
   * `action` is the runbook's `action:` line (what to do: page on-call, investigate), so the alert
   * tells its reader what to do before they open `runbook_url`.
   */
  annotations: { summary: string; description: string; runbook_url: string; action: string };
}

/** The names of the six alerts, in the runbook's order. */
export const ALERT_NAMES = [
  "BrokerDown",
  "NoQuorum",
  "ReplicationBehind",
  "HighLatency",
  "DiskSpaceLow",
  "HighErrorRate",
] as const;

/** The rule group every rendering uses. */
export const RULE_GROUP_NAME = "streambus";

function seconds(ms: number): string {
  return String(ms / 1000);
}

/** The six rules with the given settings (defaults first, caller's after). */
export function alertRules(settings: Partial<AlertSettings> = {}): AlertRule[] {
  const s: AlertSettings = { ...DEFAULT_ALERT_SETTINGS, ...settings };
  const sel = `job="${s.job}"`;
  const w = formatPromDuration(s.rateWindow);
  const link = (anchor: string) => `${s.runbookUrl}#${anchor}`;
  return [
    {
      alert: "BrokerDown",
      expr: `up{${sel}} == 0`,
      for: "1m",
      labels: { severity: "critical" },
      annotations: {
        summary: "StreamBus broker {{ $labels.instance }} is down",
        description:
          "Prometheus has not scraped {{ $labels.instance }} for 1m: check the broker's service and host.",
        runbook_url: link("sev1-complete-cluster-outage"),
        action: "Page on-call immediately",
      },
    },
    {
      alert: "NoQuorum",
      expr: `(sum(raft_state{${sel},state="leader"}) or vector(0)) != 1`,
      for: "1m",
      labels: { severity: "critical" },
      annotations: {
        summary: "StreamBus has no single Raft leader",
        description:
          "The number of brokers reporting raft_state leader is not 1 for 1m: none means no quorum, more than one a split brain.",
        runbook_url: link("sev1-split-brain"),
        action: "Page on-call immediately",
      },
    },
    {
      alert: "ReplicationBehind",
      expr: `raft_commit_index{${sel}} - raft_applied_index{${sel}} > ${s.replicationLagEntries}`,
      for: "5m",
      labels: { severity: "critical" },
      annotations: {
        summary: "StreamBus broker {{ $labels.broker_id }} applies Raft entries too slowly",
        description: `Broker {{ $labels.broker_id }} has more than ${s.replicationLagEntries} committed entries not applied for 5m: data loss risk.`,
        runbook_url: link("sev1-data-loss"),
        action: "Notify team, investigate",
      },
    },
    {
      alert: "HighLatency",
      expr:
        `histogram_quantile(0.99, sum by (le) (rate(request_duration_seconds_bucket{${sel}}[${w}]))) > ` +
        seconds(s.latencyP99),
      for: "5m",
      labels: { severity: "warning" },
      annotations: {
        summary: `StreamBus p99 request latency is above ${seconds(s.latencyP99)}s`,
        description: `The cluster's p99 request latency over ${w} has been above ${seconds(s.latencyP99)}s for 5m.`,
        runbook_url: link("sev2-high-latency"),
        action: "Investigate, may need scaling",
      },
    },
    {
      alert: "DiskSpaceLow",
      expr: `disk_free_bytes{${sel}} / disk_total_bytes{${sel}} < ${s.diskFreeRatio}`,
      for: "5m",
      labels: { severity: "warning" },
      annotations: {
        summary: "StreamBus broker {{ $labels.broker_id }} is low on disk",
        description: `Broker {{ $labels.broker_id }} has less than ${Math.round(s.diskFreeRatio * 100)}% of its disk free.`,
        runbook_url: link("sev2-disk-space-critical"),
        action: "Clean up or add storage",
      },
    },
    {
      alert: "HighErrorRate",
      expr: `${errorRatePromQL(sel, w)} > ${s.errorRate}`,
      for: "5m",
      labels: { severity: "warning" },
      annotations: {
        summary: "StreamBus broker {{ $labels.broker_id }} is failing requests",
        description: `Broker {{ $labels.broker_id }} has answered more than ${s.errorRate} errors per second over ${w} for 5m (${ERROR_RATE_MEANING}).`,
        runbook_url: link("troubleshooting-checklist"),
        action: "Check logs, investigate",
      },
    },
  ];
}
