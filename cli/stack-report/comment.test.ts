import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { brokerOf, safeValue, SECRET } from "./changes";
import { COMMENT_BUDGET, GITHUB_COMMENT_LIMIT, previewReport, ranges, renderPreviewComment } from "./comment";
import { isRecordLine, recordLines } from "../../procedures/records";
import { parseEvents, type StackEvent } from "./events";

/**
 * The engine's events of a real `pulumi preview` (v3.259.0, the local platform on the emulator):
 * brokers [1, 2, 3] → [1, 2, 3, 4], default produce quota 1000 → 2000, retention 7d → 5d, topic
 * `clicks` 6 → 8 partitions, an admin token as secret config. Debug lines and the serialized
 * providers' code are trimmed. Captured before the plan record carried its `basis`: that field
 * was added to the `streambus-plan` line from the human line beside it (the same words);
 * nothing else is changed.
 */
function captured(): unknown[] {
  return JSON.parse(
    readFileSync(join(__dirname, "fixtures", "preview-3-to-4.events.json"), "utf8"),
  ) as unknown[];
}

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function stepOf(events: unknown[], op: string, urnEnd: string): Raw {
  const e = (events as Raw[]).find(
    (x) => x.resourcePreEvent?.metadata.op === op && String(x.resourcePreEvent.metadata.urn).endsWith(urnEnd),
  );
  if (!e) throw new Error(`no ${op} of ${urnEnd} in the fixture`);
  return e;
}

describe("the preview comment of a real 3 → 4 broker preview", () => {
  const run = { events: parseEvents(captured()), ok: true };
  const report = previewReport("staging", run);
  const md = renderPreviewComment(report);

  it("names the broker, the moves and the bytes", () => {
    expect(report.changes.find((c) => c.kind === "create")).toMatchObject({
      name: "streambus-broker-4",
      type: "LocalBroker",
      broker: 4,
    });
    expect(md).toContain("**broker 4**");
    expect(md).toContain("- **create** `streambus-broker-4` (LocalBroker)");
    expect(md).toContain("#### Membership: brokers [1–3] → [1–4] (adds broker 4)");
    expect(md).toMatch(
      /\*\*about 14 partition moves, 85\.5 MiB\*\* to copy; about 3s at 64\.0 MiB\/s per move, 5 moves at once/,
    );
    expect(md).toContain("Guards: none refuses this change.");
  });

  it("says how the data movement was estimated once, in the provider's words", () => {
    expect(md).toContain(
      "- an estimate: broker 4 has not registered yet, so the cluster cannot plan onto it; an even spread puts " +
        "1 of 4 shares of the 342.0 MiB of replicas there\n",
    );
    expect(md.match(/estimate/gi)).toHaveLength(1);
    expect(md.match(/partition moves/g)).toHaveLength(1);
  });

  it("says that the new configHash restarts no broker: broker 4 starts with its file, 1–3 keep theirs", () => {
    expect(md).toContain('| `configHash` | `"57f19014ce3528eb"` | `"41c34d7dba592ea8"` |');
    expect(md).toContain(
      "**No broker restarts.** `configHash` covers every broker's config file; it changes here because broker 4 " +
        "is added (a new broker starts with its file). No running broker's own file changes, and the rolling " +
        "restart restarts only those whose file was rewritten.",
    );
    expect(md).not.toMatch(/\*\*brokers? [\d–, ]+ restarts?\*\*/);
  });

  it("shows config, quota and topic changes as before → after, in the stack's units", () => {
    expect(md).toContain("| `default.produceRate` | `1000` | `2000` |");
    expect(md).toContain("| `retention.maxAge` | `7d` | `5d` |");
    expect(md).toContain("| `partitions` | `6` | `8` |");
    expect(md).toContain("**1 to create, 5 to update** · 7 unchanged");
    // The connection URLs and the provider's code are not settings.
    expect(md).not.toContain("adminUrls");
    expect(md).not.toContain("__provider");
  });

  it("stays in the comment budget and shows no secret", () => {
    expect(md.length).toBeLessThanOrEqual(COMMENT_BUDGET);
    expect(md).not.toMatch(/1b47061264138c4ac30d75fd1eb44270|ciphertext/);
  });
});

describe("the same captured preview, reshaped", () => {
  it("shows a plan the provider printed twice once", () => {
    const events = captured() as Raw[];
    const said = events.filter((e) => String(e.diagnosticEvent?.message ?? "").startsWith("streambus"));
    const md = renderPreviewComment(
      previewReport("s", { events: parseEvents([...events, ...structuredClone(said)]), ok: true }),
    );
    expect(md.match(/#### Membership: /g)).toHaveLength(1);
    expect(md.match(/partition moves/g)).toHaveLength(1);
  });

  it("says a dry-run plan once too", () => {
    const events = captured() as Raw[];
    for (const e of events) {
      const d = e.diagnosticEvent;
      if (d === undefined) continue;
      // The same change, planned by the cluster itself (broker 4 registered): the provider's two lines.
      d.message = String(d.message)
        .replace('"method":"estimate"', '"method":"dry_run"')
        .replace('"receivers":[]', '"receivers":[4]')
        .replace(/"basis":"estimate: [^"]*"/, '"basis":"dry-run rebalance onto brokers 1, 2, 3, 4"')
        .replace(/\(estimate: .*\)\n/s, "(dry-run rebalance onto brokers 1, 2, 3, 4)\n");
    }
    const md = renderPreviewComment(previewReport("s", { events: parseEvents(events), ok: true }));
    expect(md).toContain("- **14 partition moves, 85.5 MiB** to copy");
    expect(md).toContain("- the cluster's own dry-run plan onto brokers 1–4; receiving: brokers 4\n");
    expect(md.match(/dry-run/g)).toHaveLength(1);
    expect(md).not.toMatch(/estimate/i);
  });

  it("names the brokers a rewritten config file restarts, when their files change", () => {
    const events = captured() as Raw[];
    // Brokers 1–3 as a change of a static setting (the admin port) leaves them: each file rewritten in place.
    for (const id of [1, 2, 3]) {
      const m = stepOf(events, "same", `streambus-broker-${id}`).resourcePreEvent.metadata;
      m.op = "update";
      m.new.inputs.config = String(m.old.inputs.config).replace("admin: 0.0.0.0:8080", "admin: 0.0.0.0:8081");
    }
    const md = renderPreviewComment(previewReport("s", { events: parseEvents(events), ok: true }));
    expect(md).toContain(
      "**brokers 1–3 restart**, one at a time: their config file changes, and a broker reads it only at start. " +
        "Followers first and the leader last, each once the cluster is healthy, has one leader and every " +
        "partition is in sync again. (`configHash` also changes because broker 4 is added (a new broker starts with its file).)",
    );
    expect(md).not.toContain("No broker restarts");
  });
});

describe("a kubernetes preview whose pod template's config hash changes", () => {
  it("says every broker pod restarts, one at a time", () => {
    const template = (hash: string) => ({
      spec: { replicas: 3, template: { metadata: { annotations: { "streambus.io/config-hash": hash } } } },
    });
    const events = parseEvents([
      {
        resourcePreEvent: {
          metadata: {
            op: "update",
            urn: "urn:pulumi:k::streambus::streambus:index:StreamBusCluster$kubernetes:apps/v1:StatefulSet::streambus-broker",
            type: "kubernetes:apps/v1:StatefulSet",
            old: { inputs: template("57f19014ce3528eb") },
            new: { inputs: template("41c34d7dba592ea8") },
          },
        },
      },
      { summaryEvent: { result: "succeeded", resourceChanges: { update: 1, same: 9 } } },
    ]);
    const md = renderPreviewComment(previewReport("k", { events, ok: true }));
    expect(md).toContain(
      "**Every broker pod restarts**, one at a time: the `streambus.io/config-hash` of `streambus-broker`'s pod " +
        "template changes (the brokers' config file or certificates, read at start), and the StatefulSet's rolling " +
        "update replaces its pods from the highest ordinal down, each once the one before is ready.",
    );
  });
});

describe("secrets", () => {
  it("are [secret] at any depth, whatever the value beside the signature", () => {
    const secret = {
      "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
      plaintext: "hunter2",
    };
    expect(safeValue({ a: { b: [secret] }, token: secret })).toEqual({ a: { b: [SECRET] }, token: SECRET });
  });

  it("never reach the comment, even when an event carried one in clear", () => {
    const events = captured();
    const quotas = stepOf(events, "update", "streambus-quotas").resourcePreEvent.metadata;
    quotas.new.inputs.token = {
      "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
      plaintext: '"hunter2"',
    };
    const md = renderPreviewComment(previewReport("s", { events: parseEvents(events), ok: true }));
    expect(md).toContain("| `token` | `(none)` | `[secret]` |");
    expect(md).not.toContain("hunter2");
  });
});

const HOW_TO_FORCE =
  "to override, `pulumi config set streambus:force true`, run `pulumi up`, then `pulumi config set streambus:force false`";

/**
 * A preview of [1, 2, 3] → [1, 2] that two guards refuse, as the engine handed it to
 * `streambus-ops preview` in `test/e2e/preview-drift.test.ts` (captured from its events): the
 * membership provider's one error, its human line then its `streambus-refusal` record, and no
 * other error; the failed command's last `error:` line is the run's error.
 */
function refused(): { events: StackEvent[]; ok: false; error: string } {
  const human =
    "membership: refusing to change the members from [1, 2, 3] to [1, 2]: guard min_voters failed: removing broker 3 " +
    "would leave 2 voters (1, 2); at least 3 are needed; guard replication failed: only 2 declared brokers would be active " +
    `members (1, 2), below the largest replication factor (3) (${HOW_TO_FORCE})`;
  const record =
    'streambus-refusal {"what":"change the members from [1, 2, 3] to [1, 2]","from":[1,2,3],"to":[1,2],"failures":' +
    '[{"guard":"min_voters","message":"removing broker 3 would leave 2 voters (1, 2); at least 3 are needed"},' +
    '{"guard":"replication","message":"only 2 declared brokers would be active members (1, 2), below the largest ' +
    'replication factor (3)"}],"override":"to override, `pulumi config set streambus:force true`, run `pulumi up`, ' +
    'then `pulumi config set streambus:force false`"}';
  const events = parseEvents([
    {
      sequence: 104,
      timestamp: 1796408201,
      diagnosticEvent: {
        urn: "urn:pulumi:s::streambus::streambus:index:StreamBusCluster$pulumi-nodejs:dynamic/streambus:ClusterMembership::streambus-membership",
        prefix: "error: ",
        message: `${human}\n${record}\n`,
        color: "never",
        severity: "error",
      },
    },
    {
      sequence: 106,
      timestamp: 1796408201,
      summaryEvent: { resourceChanges: { same: 6 }, isPreview: true, result: "failed" },
    },
  ]);
  return { events, ok: false, error: `error: ${human}` };
}

describe("a failed preview", () => {
  it("says why, in the providers' words", () => {
    const events = parseEvents([
      {
        sequence: 1,
        timestamp: 1,
        diagnosticEvent: {
          message:
            "error: invalid stack config (1 problem):\n  - streambus:topics[0].replicationFactor: is 3, more than the 2 broker(s) declared\n",
          severity: "error",
          color: "never",
        },
      },
      {
        sequence: 2,
        timestamp: 2,
        diagnosticEvent: { message: "error: preview failed\n", severity: "error", color: "never" },
      },
      { sequence: 3, timestamp: 3, summaryEvent: { result: "failed", resourceChanges: { same: 1 } } },
    ]);
    const report = previewReport("staging", { events, ok: false, error: "preview failed" });
    const md = renderPreviewComment(report);
    expect(report.failure).toEqual([
      "invalid stack config (1 problem):\n  - streambus:topics[0].replicationFactor: is 3, more than the 2 broker(s) declared",
    ]);
    expect(md).toContain("**The preview failed.**");
    expect(md).toContain("streambus:topics[0].replicationFactor: is 3");
    expect(md).not.toContain("preview failed\n```");
  });

  it("names each guard that refused a membership change, once, with how to override", () => {
    const md = renderPreviewComment(previewReport("s", refused()));
    expect(md).toContain("**The preview failed:** a guard refuses the change of the broker set (below).");
    expect(md).toContain("#### Membership: brokers [1–3] → [1–2] refused by a guard");
    expect(md).toContain(
      "`pulumi up` would stop before changing anything (refusing to change the members from [1, 2, 3] to [1, 2]):",
    );
    expect(md).toContain(
      "- guard `min_voters`: removing broker 3 would leave 2 voters (1, 2); at least 3 are needed",
    );
    expect(md).toContain(
      "- guard `replication`: only 2 declared brokers would be active members (1, 2), below the largest replication factor (3)\n",
    );
    expect(md).toContain(
      "To override, `pulumi config set streambus:force true`, run `pulumi up`, then `pulumi config set streambus:force false`.",
    );
    expect(md.match(/min_voters/g)).toHaveLength(1);
    expect(md).not.toContain("no changes");
  });
});

/**
 * A change of 60 brokers and 200 topics, made of the captured events' own shapes: brokers 4–60
 * created as broker 4 was, the membership [1–3] → [1–60], and 200 topics each growing 6 → 8
 * partitions as `clicks` did, or created.
 */
function fleetEvents(topics: "grow" | "create"): StackEvent[] {
  const events = captured() as Raw[];
  const broker4 = stepOf(events, "create", "streambus-broker-4");
  const topic = stepOf(events, "update", "streambus-topic-clicks");
  const out: Raw[] = events.filter(
    (e) => e !== broker4 && e !== topic && !String(e.diagnosticEvent?.message ?? "").startsWith("streambus"),
  );
  for (let id = 4; id <= 60; id++) {
    const e = structuredClone(broker4);
    const m = e.resourcePreEvent.metadata;
    m.urn = m.urn.replace(/broker-4$/, `broker-${id}`);
    m.new.inputs.brokerId = id;
    m.new.inputs.rack = "abc"[id % 3];
    out.push(e);
  }
  for (let i = 0; i < 200; i++) {
    const e = structuredClone(topic);
    const m = e.resourcePreEvent.metadata;
    const name = `fleet-${String(i).padStart(3, "0")}`;
    m.urn = m.urn.replace(/clicks$/, name);
    m.old.inputs.name = m.new.inputs.name = name;
    if (topics === "create") {
      m.op = "create";
      m.old = null;
      m.new.inputs.partitions = 10;
    }
    out.push(e);
  }
  const to = Array.from({ length: 60 }, (_, i) => i + 1);
  out.push({
    diagnosticEvent: {
      severity: "info",
      message: `streambus-plan ${JSON.stringify({
        cluster_id: "sb-sim-fleet",
        stage: "preview",
        from: [1, 2, 3],
        to,
        add: to.slice(3),
        remove: [],
        method: "estimate",
        targets: to,
        moves: 5700,
        bytes: 5700 * 8 * 2 ** 20,
        receivers: [],
        throttle_bytes_per_s: 64 * 2 ** 20,
        max_concurrent_moves: 5,
        estimated_seconds: 1283,
      })}\n`,
    },
  });
  return parseEvents(out);
}

describe("a change of 60 brokers and 200 topics", () => {
  const named = (md: string, id: number) =>
    md.includes(`**broker ${id}**`) || /- brokers 4–60 \(57\): create LocalBroker/.test(md);

  it("in full when it fits: every broker and every topic's partitions", () => {
    const report = previewReport("fleet", { events: fleetEvents("grow"), ok: true });
    expect(report.changes.filter((c) => c.kind === "create")).toHaveLength(57);
    expect(report.changes.filter((c) => c.type === "Topic")).toHaveLength(200);
    const md = renderPreviewComment(report);
    expect(md.length).toBeLessThanOrEqual(COMMENT_BUDGET);
    expect(md).not.toContain("_Summarised");
    for (let id = 4; id <= 60; id++) expect(md).toContain(`**broker ${id}**`);
    expect(md.match(/\| `partitions` \| `6` \| `8` \|/g)).toHaveLength(200);
    expect(md).toContain("#### Membership: brokers [1–3] → [1–60] (adds brokers 4–60)");
    expect(md).toContain("**about 5700 partition moves, 44.5 GiB**");
  });

  it("summarised when it does not: brokers as ranges, topics with the same change on one line", () => {
    const report = previewReport("fleet", { events: fleetEvents("create"), ok: true });
    expect(report.changes.filter((c) => c.kind === "create")).toHaveLength(257);
    const md = renderPreviewComment(report);
    expect(md.length).toBeLessThan(GITHUB_COMMENT_LIMIT);
    expect(md).toContain("_Summarised: resources with the same change are folded into one line._");
    for (let id = 4; id <= 60; id++) expect(named(md, id)).toBe(true);
    expect(md).toContain("- brokers 4–60 (57): create LocalBroker");
    expect(md).toContain("- **create** Topic — 200: `streambus-topic-fleet-000`");
    expect(md).toContain("**about 5700 partition moves, 44.5 GiB**");
  });

  it("cut at a line with a note when even the summary does not fit", () => {
    const report = previewReport("fleet", { events: fleetEvents("create"), ok: true });
    const md = renderPreviewComment(report, 900);
    expect(md.length).toBeLessThanOrEqual(900);
    expect(md).toMatch(
      /more lines cut to stay under GitHub's 65,536-character limit: `pulumi preview --diff --stack fleet` shows everything/,
    );
    expect(md).toContain("partition moves");
  });
});

describe("brokerOf", () => {
  it("reads the broker from every platform's child names", () => {
    expect(brokerOf("streambus-broker-4")).toBe(4);
    expect(brokerOf("prod-broker-12-volume")).toBe(12);
    expect(brokerOf("streambus-broker-7-metrics-agent")).toBe(7);
    expect(brokerOf("streambus-broker-3-tls")).toBe(3);
    expect(brokerOf("streambus-membership")).toBeNull();
    expect(brokerOf("streambus-brokers")).toBeNull();
  });

  it("is never a topic's: its name is the user's", () => {
    const events = captured() as Raw[];
    const topic = stepOf(events, "update", "streambus-topic-clicks").resourcePreEvent.metadata;
    topic.urn = topic.urn.replace(/clicks$/, "broker-3-events");
    const change = previewReport("s", { events: parseEvents(events), ok: true }).changes.find(
      (c) => c.type === "Topic",
    );
    expect(change).toMatchObject({ name: "streambus-topic-broker-3-events", broker: null });
  });
});

describe("ranges", () => {
  it("folds consecutive ids", () => {
    expect(ranges([9, 4, 5, 6, 1])).toBe("1, 4–6, 9");
    expect(ranges([])).toBe("");
  });
});

/**
 * The events with every line a provider wrote for people reworded (its words reversed, the
 * words' letters too): only record lines and the engine's own closing words are kept. What the
 * comment reports must come from the records, so it must not change.
 */
function reworded(events: readonly unknown[]): Raw[] {
  const out = structuredClone(events) as Raw[];
  const reword = (line: string) =>
    line
      .split(" ")
      .reverse()
      .join(" ")
      .replace(/[a-z]+/gi, (w) => [...w].reverse().join(""));
  let changed = 0;
  for (const e of out) {
    const d = e.diagnosticEvent;
    if (d === undefined || /^(error: )?(preview|update|refresh) failed\n*$/.test(String(d.message))) continue;
    d.message = String(d.message)
      .split("\n")
      .map((l) => (l.trim() === "" || isRecordLine(l) ? l : (changed++, reword(l))))
      .join("\n");
  }
  expect(changed).toBeGreaterThan(0);
  return out;
}

describe("the comment with every provider message reworded", () => {
  const comment = (events: readonly unknown[], ok: boolean) =>
    renderPreviewComment(previewReport("s", { events: parseEvents(events), ok }));

  it("reports the same plan: the records carry it", () => {
    const events = captured();
    const md = comment(reworded(events), true);
    expect(md).toBe(comment(events, true));
    expect(md).toContain("**about 14 partition moves, 85.5 MiB**");
    expect(md).toContain(
      "- an estimate: broker 4 has not registered yet, so the cluster cannot plan onto it",
    );
    expect(md).not.toContain("snoitrap");
  });

  it("reports the same refusal, each guard and the override", () => {
    const run = refused();
    // The run's error is the engine's echo of the provider's words: reworded too.
    const md = renderPreviewComment(
      previewReport("s", { ...run, events: parseEvents(reworded(run.events)), error: "error: reworded" }),
    );
    expect(md).toBe(renderPreviewComment(previewReport("s", run)));
    expect(md).toContain("**The preview failed:** a guard refuses the change of the broker set (below).");
    expect(md).toContain("#### Membership: brokers [1–3] → [1–2] refused by a guard");
    expect(md).toContain(
      "- guard `min_voters`: removing broker 3 would leave 2 voters (1, 2); at least 3 are needed",
    );
    expect(md).toContain("To override, `pulumi config set streambus:force true`");
    expect(md.match(/min_voters/g)).toHaveLength(1);
  });

  it("reports the same overrides and notes", () => {
    const failures = [
      {
        guard: "min_voters",
        message: "removing broker 3 would leave 2 voters (1, 2); at least 3 are needed",
      },
    ];
    // The lines the membership provider prints (its formatter's human line, then the record).
    const said = [
      ...recordLines("override", { failures }),
      ...recordLines("note", { about: "guards", reason: "cannot reach the cluster (ECONNREFUSED)" }),
    ].map((message) => ({ diagnosticEvent: { message: `${message}\n`, severity: "info" } }));
    const events = [...captured(), ...said];
    const md = comment(reworded(events), true);
    expect(md).toBe(comment(events, true));
    expect(md).toContain(
      "- ⚠️ streambus: guards overridden by streambus:force: min_voters (removing broker 3 would leave 2 voters (1, 2); at least 3 are needed)",
    );
    expect(md).toContain(
      "- streambus: guards not judged at preview: cannot reach the cluster (ECONNREFUSED)",
    );
  });
});
