import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { ALERT_NAMES, alertRules, renderRulesFile, type AlertRule } from "./index";

/**
 * The emitted rules checked and unit-tested by Prometheus's own `promtool`: each alert fires on
 * synthetic series that break its threshold for its `for`, and stays silent on healthy ones.
 */

function requirePromtool(): void {
  const probe = spawnSync("promtool", ["--version"], { encoding: "utf8" });
  if (probe.error !== undefined || probe.status !== 0) {
    throw new Error(
      "promtool is not on PATH: run `make test-servers` (scripts/promtool.sh builds it from the Go " +
        "module proxy) or install Debian's `prometheus` package, as .ci/run does",
    );
  }
}

function promtool(...args: string[]): { status: number | null; output: string } {
  const run = spawnSync("promtool", args, { encoding: "utf8", timeout: 60_000 });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

const rules = new Map<string, AlertRule>(alertRules().map((rule) => [rule.alert, rule]));

/** What promtool expects for a firing alert: its labels, and its annotations with labels filled in. */
function firing(alertname: string, labels: Record<string, string>) {
  const rule = rules.get(alertname);
  if (rule === undefined) throw new Error(`no rule ${alertname}`);
  const fill = (text: string) =>
    text.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_m, name: string) => labels[name] ?? "");
  return {
    exp_labels: { ...labels, severity: rule.labels.severity },
    exp_annotations: {
      summary: fill(rule.annotations.summary),
      description: fill(rule.annotations.description),
      runbook_url: rule.annotations.runbook_url,
      action: rule.annotations.action,
    },
  };
}

const broker = (id: string) => ({ job: "streambus", instance: `broker-${id}:8080`, broker_id: id });
const series = (name: string, labels: Record<string, string>, values: string) => ({
  series: `${name}{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(",")}}`,
  values,
});

function latencySeries(fastBuckets: boolean) {
  const all = "0+60x30";
  const none = "0x30";
  const bucket = (le: string, values: string) =>
    series("request_duration_seconds_bucket", { ...broker("1"), op: "produce", le }, values);
  return [
    bucket("0.1", fastBuckets ? all : none),
    bucket("1", fastBuckets ? all : none),
    bucket("2.5", all),
    bucket("+Inf", all),
  ];
}

/** One promtool test per case: [name, input series, alert, eval time, expected alerts]. */
const cases: Array<[string, ReturnType<typeof series>[], string, string, unknown[]]> = [
  [
    "broker down",
    [series("up", broker("1"), "0x10")],
    "BrokerDown",
    "2m",
    [firing("BrokerDown", broker("1"))],
  ],
  ["broker down, not yet for 1m", [series("up", broker("1"), "0x10")], "BrokerDown", "30s", []],
  ["broker up", [series("up", broker("1"), "1x10")], "BrokerDown", "5m", []],
  [
    "no leader",
    ["1", "2", "3"].flatMap((id) => [
      series("raft_state", { ...broker(id), state: "leader" }, "0x10"),
      series("raft_state", { ...broker(id), state: "follower" }, "1x10"),
    ]),
    "NoQuorum",
    "5m",
    [firing("NoQuorum", {})],
  ],
  [
    "two leaders (split brain)",
    ["1", "2"].map((id) => series("raft_state", { ...broker(id), state: "leader" }, "1x10")),
    "NoQuorum",
    "5m",
    [firing("NoQuorum", {})],
  ],
  [
    "no broker reports at all",
    [series("up", broker("1"), "0x10")],
    "NoQuorum",
    "5m",
    [firing("NoQuorum", {})],
  ],
  [
    "one leader",
    [
      series("raft_state", { ...broker("1"), state: "leader" }, "1x10"),
      series("raft_state", { ...broker("2"), state: "leader" }, "0x10"),
    ],
    "NoQuorum",
    "5m",
    [],
  ],
  [
    "applied index far behind",
    [
      series("raft_commit_index", broker("2"), "20000+100x15"),
      series("raft_applied_index", broker("2"), "0+100x15"),
    ],
    "ReplicationBehind",
    "10m",
    [firing("ReplicationBehind", broker("2"))],
  ],
  [
    "applied index close behind",
    [
      series("raft_commit_index", broker("2"), "20000+100x15"),
      series("raft_applied_index", broker("2"), "19000+100x15"),
    ],
    "ReplicationBehind",
    "10m",
    [],
  ],
  ["slow requests", latencySeries(false), "HighLatency", "20m", [firing("HighLatency", {})]],
  ["fast requests", latencySeries(true), "HighLatency", "20m", []],
  [
    "disk 90% full",
    [series("disk_free_bytes", broker("3"), "10x10"), series("disk_total_bytes", broker("3"), "100x10")],
    "DiskSpaceLow",
    "10m",
    [firing("DiskSpaceLow", broker("3"))],
  ],
  [
    "disk half full",
    [series("disk_free_bytes", broker("3"), "50x10"), series("disk_total_bytes", broker("3"), "100x10")],
    "DiskSpaceLow",
    "10m",
    [],
  ],
  [
    "20 errors per second",
    [series("errors_total", { ...broker("3"), op: "produce" }, "0+1200x30")],
    "HighErrorRate",
    "20m",
    [firing("HighErrorRate", { broker_id: "3" })],
  ],
  [
    "6 errors per second on each of two ops of one broker (12/s on the broker)",
    [
      series("errors_total", { ...broker("3"), op: "produce" }, "0+360x30"),
      series("errors_total", { ...broker("3"), op: "fetch" }, "0+360x30"),
    ],
    "HighErrorRate",
    "20m",
    [firing("HighErrorRate", { broker_id: "3" })],
  ],
  [
    "4 errors per second on one op of each of three brokers (12/s on the op, 4/s per broker)",
    ["1", "2", "3"].map((id) => series("errors_total", { ...broker(id), op: "produce" }, "0+240x30")),
    "HighErrorRate",
    "20m",
    [],
  ],
  [
    "1 error per second",
    [series("errors_total", { ...broker("3"), op: "produce" }, "0+60x30")],
    "HighErrorRate",
    "20m",
    [],
  ],
];

describe("alert rules under promtool", () => {
  let dir = "";
  beforeAll(() => {
    requirePromtool();
    dir = mkdtempSync(join(tmpdir(), "streambus-rules-"));
    writeFileSync(join(dir, "rules.yml"), renderRulesFile());
  });
  afterAll(() => {
    if (dir !== "") rmSync(dir, { recursive: true, force: true });
  });

  it("promtool check rules accepts the emitted file", () => {
    const { status, output } = promtool("check", "rules", join(dir, "rules.yml"));
    expect(output).toContain("SUCCESS: 6 rules found");
    expect(status).toBe(0);
  });

  it("every alert has a firing and a silent case", () => {
    for (const name of ALERT_NAMES) {
      expect(
        cases.some(([, , alert, , exp]) => alert === name && exp.length > 0),
        `${name} fires`,
      ).toBe(true);
      expect(
        cases.some(([, , alert, , exp]) => alert === name && exp.length === 0),
        `${name} silent`,
      ).toBe(true);
    }
  });

  it.each(cases)("promtool test rules: %s", (_name, input, alertname, evalTime, expAlerts) => {
    const file = join(dir, `test-${alertname}-${expAlerts.length}-${evalTime}.yml`);
    const doc = {
      rule_files: ["rules.yml"],
      evaluation_interval: "1m",
      tests: [
        {
          interval: "1m",
          input_series: input,
          alert_rule_test: [{ eval_time: evalTime, alertname, exp_alerts: expAlerts }],
        },
      ],
    };
    writeFileSync(file, stringify(doc));
    const { status, output } = promtool("test", "rules", file);
    expect(output).toContain("SUCCESS");
    expect(status).toBe(0);
  });

  it("a wrong expectation fails, so the tests above can fail", () => {
    const file = join(dir, "test-wrong.yml");
    const doc = {
      rule_files: ["rules.yml"],
      tests: [
        {
          interval: "1m",
          input_series: [series("up", broker("1"), "1x10")],
          alert_rule_test: [
            { eval_time: "5m", alertname: "BrokerDown", exp_alerts: [firing("BrokerDown", broker("1"))] },
          ],
        },
      ],
    };
    writeFileSync(file, stringify(doc));
    expect(promtool("test", "rules", file).status).not.toBe(0);
  });
});

describe("the rules file", () => {
  it("holds the six rules, each with severity, summary and a runbook link", () => {
    const doc = parse(renderRulesFile({ runbookUrl: "https://wiki/runbooks" })) as {
      groups: Array<{ name: string; rules: AlertRule[] }>;
    };
    const rendered = doc.groups[0]?.rules ?? [];
    expect(rendered.map((r) => r.alert)).toEqual([...ALERT_NAMES]);
    for (const rule of rendered) {
      expect(["critical", "warning"]).toContain(rule.labels.severity);
      expect(rule.annotations.summary.length).toBeGreaterThan(10);
      expect(rule.annotations.runbook_url).toMatch(/^https:\/\/wiki\/runbooks#[a-z0-9-]+$/);
    }
  });

  it("carries the runbook's action line on each alert, beside its runbook link", () => {
    // The runbook's "Monitoring Alerts": `action:` under each rule.
    const runbookActions = {
      BrokerDown: "Page on-call immediately",
      NoQuorum: "Page on-call immediately",
      ReplicationBehind: "Notify team, investigate",
      HighLatency: "Investigate, may need scaling",
      DiskSpaceLow: "Clean up or add storage",
      HighErrorRate: "Check logs, investigate",
    };
    const doc = parse(renderRulesFile()) as { groups: Array<{ rules: AlertRule[] }> };
    expect(
      Object.fromEntries((doc.groups[0]?.rules ?? []).map((r) => [r.alert, r.annotations.action])),
    ).toEqual(runbookActions);
  });

  it("writes the latency quantile over summed bucket rates, and honours thresholds", () => {
    const byName = new Map(
      alertRules({ latencyP99: 250, rateWindow: 120_000, job: "sb" }).map((r) => [r.alert, r]),
    );
    expect(byName.get("HighLatency")?.expr).toBe(
      'histogram_quantile(0.99, sum by (le) (rate(request_duration_seconds_bucket{job="sb"}[2m]))) > 0.25',
    );
    expect(byName.get("HighErrorRate")?.expr).toBe(
      'sum by (broker_id) (rate(errors_total{job="sb"}[2m])) > 10',
    );
    expect(byName.get("DiskSpaceLow")?.expr).toContain("disk_free_bytes");
  });
});
