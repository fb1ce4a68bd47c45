import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { driftLines, driftReport, underWay } from "./drift";
import { parseEvents } from "./events";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the captured events are edited freely, as JSON
type Raw = Record<string, any>;

/**
 * The engine's events of a real `pulumi refresh --preview-only` (v3.259.0, the local platform on
 * the emulator) after the default produce quota was set to 1234 with curl and broker 5 was
 * provisioned and joined by hand. Debug lines and the providers' code are trimmed.
 */
function captured(): Raw[] {
  return JSON.parse(readFileSync(join(__dirname, "fixtures", "refresh-drift.events.json"), "utf8")) as Raw[];
}

function outputsOf(events: Raw[], urnEnd: string): Raw {
  const e = events.find((x) => String(x.resOutputsEvent?.metadata.urn ?? "").endsWith(urnEnd));
  if (!e) throw new Error(`no outputs of ${urnEnd} in the fixture`);
  return e.resOutputsEvent.metadata;
}

describe("the drift report of a real refresh", () => {
  it("names the drifted field with the stack's and the live value, and the unmanaged broker", () => {
    const report = driftReport("staging", { events: parseEvents(captured()), ok: true });
    expect(report).toMatchObject({ checked: true, drift: true, unmanaged: [5], missing: [] });
    expect(report.drifted).toEqual([
      {
        name: "streambus-quotas",
        type: "ClusterQuotas",
        urn: expect.stringContaining("ClusterQuotas::streambus-quotas") as string,
        kind: "changed",
        fields: [{ path: "default.produceRate", before: 1000, after: 1234 }],
      },
    ]);
    const text = driftLines(report).map((l) => `${l.ok ? "✓" : "✗"} ${l.text}`);
    expect(text).toEqual([
      "✗ streambus-quotas (ClusterQuotas): default.produceRate: 1000 in the stack, 1234 live",
      "✗ unmanaged member (live, declared by no stack): broker 5",
    ]);
  });

  it("finds nothing when the live cluster matches", () => {
    const events = captured();
    const quotas = outputsOf(events, "streambus-quotas");
    quotas.op = "same";
    quotas.new = quotas.old;
    outputsOf(events, "streambus-membership").new.outputs.unmanaged = [];
    const report = driftReport("staging", { events: parseEvents(events), ok: true });
    expect(report).toMatchObject({ checked: true, drift: false, drifted: [], unmanaged: [], missing: [] });
    expect(report.resources).toBe(11);
    expect(driftLines(report)).toEqual([
      { ok: true, text: "no drift in stack staging: 11 resources match the live cluster" },
    ]);
  });

  it("names a declared member the cluster does not have, once, not as a field of the membership", () => {
    const events = captured();
    const m = outputsOf(events, "streambus-membership");
    m.op = "update";
    m.new.outputs.brokers = [1, 2];
    const report = driftReport("staging", { events: parseEvents(events), ok: true });
    expect(report.missing).toEqual([3]);
    expect(report.drifted.map((d) => d.name)).toEqual(["streambus-quotas"]);
    expect(driftLines(report).map((l) => l.text)).toContain(
      "declared member the live cluster does not have: broker 3",
    );
  });

  it("names a resource whose live object is gone (a refresh's delete: a topic deleted with curl)", () => {
    const events = captured();
    const topic = outputsOf(events, "streambus-topic-clicks");
    // As a real refresh reported it after DELETE /admin/topics/clicks (tried on v3.259.0).
    topic.op = "delete";
    topic.new = null;
    const report = driftReport("staging", { events: parseEvents(events), ok: true });
    expect(report.drifted.find((d) => d.name === "streambus-topic-clicks")).toMatchObject({
      kind: "gone",
      fields: [],
    });
    expect(driftLines(report).map((l) => l.text)).toContain(
      "streambus-topic-clicks (Topic): gone from the live cluster",
    );
  });

  it("is a failed check, not drift, when the engine failed, with the providers' reasons", () => {
    const events = parseEvents([
      {
        diagnosticEvent: {
          urn: "urn:pulumi:s::streambus::streambus:index:StreamBusCluster$pulumi-nodejs:dynamic/streambus:ClusterQuotas::streambus-quotas",
          message:
            "error: Preview failed: quotas read: GET /admin/quotas: no broker answered (http://127.0.0.1:1: ECONNREFUSED)\n",
          severity: "error",
        },
      },
      { diagnosticEvent: { message: "error: preview failed\n", severity: "error" } },
    ]);
    const report = driftReport("staging", { events, ok: false, error: "preview failed" });
    expect(report).toMatchObject({ checked: false, drift: false });
    expect(report.failure).toEqual([
      "Preview failed: quotas read: GET /admin/quotas: no broker answered (http://127.0.0.1:1: ECONNREFUSED)",
    ]);
    expect(driftLines(report)[0]).toEqual({
      ok: false,
      text: "drift check of stack staging failed: nothing can be said about drift",
    });
  });
});

describe("what a stopped refresh was waiting on", () => {
  it("names the resources whose read began and did not end, and the brokers' admin URLs the resources hold", () => {
    // The refresh stopped while the cluster config was being read: its outputs never came.
    const events = captured().filter(
      (e) => !String(e.resOutputsEvent?.metadata.urn ?? "").endsWith("::streambus-cluster-config"),
    );
    const pending = underWay(parseEvents(events));
    expect(pending.reading).toEqual(["streambus-cluster-config (ClusterConfig)"]);
    expect(Object.keys(pending.adminUrls).sort()).toEqual(["1", "2", "3"]);
    for (const url of Object.values(pending.adminUrls)) expect(url).toMatch(/^https?:\/\/127\.0\.0\.1:\d+$/);
  });

  it("a finished refresh was waiting on nothing", () => {
    expect(underWay(parseEvents(captured())).reading).toEqual([]);
  });
});
