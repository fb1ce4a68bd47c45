import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GuardError } from "./common";
import { guardError } from "./guards";
import {
  formatPlan,
  formatRefusal,
  isRecordLine,
  parseRecords,
  printRecord,
  recordLines,
  type AnyRecord,
  type RecordOf,
} from "./records";

const HOW =
  "to override, `pulumi config set streambus:force true`, run `pulumi up`, then `pulumi config set streambus:force false`";

/** The plan record and the human line beside it, from the captured preview of 3 → 4 brokers. */
function capturedPlan(): { record: RecordOf<"plan">; human: string } {
  const events = JSON.parse(
    readFileSync(join(__dirname, "../cli/stack-report/fixtures/preview-3-to-4.events.json"), "utf8"),
  ) as Array<{ diagnosticEvent?: { message: string } }>;
  const messages = events.flatMap((e) => (e.diagnosticEvent ? [e.diagnosticEvent.message] : []));
  const plan = messages.flatMap((m) => parseRecords(m)).find((r) => r.kind === "plan");
  const human = messages.find((m) => m.startsWith("streambus: members "));
  if (plan?.kind !== "plan" || human === undefined) throw new Error("no plan in the fixture");
  return { record: plan.data, human: human.trim() };
}

const failures = [
  { guard: "min_voters", message: "removing broker 3 would leave 2 voters (1, 2); at least 3 are needed" },
  {
    guard: "replication",
    message:
      "only 2 declared brokers would be active members (1, 2), below the largest replication factor (3)",
  },
];

describe("records", () => {
  it("round-trip: every kind printed is parsed back the same, from any text around it", () => {
    const records: AnyRecord[] = [
      { kind: "plan", data: capturedPlan().record },
      {
        kind: "refusal",
        data: {
          what: "change the members from [1, 2, 3] to [1, 2]",
          from: [1, 2, 3],
          to: [1, 2],
          failures,
          override: HOW,
        },
      },
      { kind: "override", data: { failures: failures.slice(0, 1) } },
      { kind: "note", data: { about: "plan", reason: "the cluster refused the dry run (409 conflict)" } },
      {
        kind: "progress",
        data: { step: "rebalance", message: "rebalance rb-3: 10/24 moves (42%)", percent: 42 },
      },
    ];
    const text = records
      .map((r) => `${recordLines(r.kind, r.data as never)[0]}\n${printRecord(r.kind, r.data as never)}`)
      .join("\n");
    expect(parseRecords(`error: something else\n${text}\n`)).toEqual(records);
  });

  it("a record line is one line with its kind's prefix, whatever its strings hold", () => {
    const line = printRecord("note", { about: "guards", reason: "first line\nsecond line" });
    expect(line.split("\n")).toHaveLength(1);
    expect(line.startsWith("streambus-note {")).toBe(true);
    expect(isRecordLine(line)).toBe(true);
    expect(isRecordLine("streambus: guards not judged at preview: x")).toBe(false);
    expect(parseRecords(line)).toEqual([
      { kind: "note", data: { about: "guards", reason: "first line\nsecond line" } },
    ]);
  });

  it("leaves out lines that are not records of a known kind or do not fit the schema", () => {
    const text = [
      "streambus-plan {not json}",
      'streambus-refusal {"what":"x","failures":[],"override":"y"}',
      'streambus-unknown {"a":1}',
      'streambus-override {"failures":[{"guard":"leader","message":"no leader"}]}',
    ].join("\n");
    expect(parseRecords(text)).toEqual([
      { kind: "override", data: { failures: [{ guard: "leader", message: "no leader" }] } },
    ]);
  });

  it("refuses to print a record that does not fit its schema", () => {
    expect(() => printRecord("refusal", { what: "x", failures: [], override: "y" })).toThrow();
  });

  it("the plan's formatter makes the human line the provider printed in the captured preview", () => {
    const { record, human } = capturedPlan();
    expect(formatPlan(record)).toBe(human);
  });

  it("the refusal's formatter makes the membership's messages, with and without the guards' names", () => {
    const record = { what: "change the members from [1, 2, 3] to [1, 2]", failures, override: HOW };
    expect(formatRefusal(record, { named: true })).toBe(
      "refusing to change the members from [1, 2, 3] to [1, 2]: guard min_voters failed: removing broker 3 " +
        "would leave 2 voters (1, 2); at least 3 are needed; guard replication failed: only 2 declared brokers would be active " +
        `members (1, 2), below the largest replication factor (3) (${HOW})`,
    );
    expect(formatRefusal(record)).toMatch(
      /^refusing to change the members from \[1, 2, 3\] to \[1, 2\]: removing broker 3/,
    );
  });
});

describe("GuardError", () => {
  it("carries its failures, what it refused and how to override as data", () => {
    const e = guardError("remove broker 3", failures, HOW);
    expect(e).toBeInstanceOf(GuardError);
    expect(e.guard).toBe("min_voters");
    expect(e.failures).toEqual(failures);
    expect(e.refused).toEqual({ what: "remove broker 3", override: HOW });
    expect(e.message).toBe(formatRefusal({ what: "remove broker 3", failures, override: HOW }));
  });

  it("made by hand, carries its one failure", () => {
    const e = new GuardError("replication", "too few brokers");
    expect(e.failures).toEqual([{ guard: "replication", message: "too few brokers" }]);
    expect(e.refused).toBeUndefined();
  });
});
