/**
 * The CLI's one rule, command by command and fault by fault: a `✗` line if and only if a non-zero
 * exit, and `--json` saying what the lines say (the same `✗` findings, the same exit code). The
 * compiled CLI runs against one emulator per scenario: a healthy cluster, a broker answering 500
 * to every admin call, a broker crashed, and the minutes after a latency fault was cleared.
 */
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkHealth } from "../../../procedures";
import { startVersitygw, type TestS3 } from "../helpers/s3";
import { eventually, startTestSim, type TestSim } from "../helpers/sim";
import { ensureBuilt, runCli, type Run } from "./helpers";

/** The commands that print `✓`/`✗` lines against a cluster, as a scheduled job runs them. */
const COMMANDS: Record<string, string[]> = {
  health: ["health"],
  quorum: ["quorum"],
  partitions: ["partitions"],
  members: ["members"],
  latency: ["latency", "--sample", "1s", "--top", "1"],
};

interface Scenario {
  name: string;
  /** Puts the emulator into the scenario's state. */
  setup(t: TestSim): Promise<void>;
  /** The exit code each command must give. */
  codes: Record<keyof typeof COMMANDS, number>;
  /** A `✗` line each failing command must print (a regular expression on the line after `✗ `). */
  says?: Partial<Record<keyof typeof COMMANDS, RegExp>>;
}

const SCENARIOS: Scenario[] = [
  {
    name: "a healthy cluster",
    setup: async () => undefined,
    codes: { health: 0, quorum: 0, partitions: 0, members: 0, latency: 0 },
  },
  {
    // `/health` still answers: only the admin API fails. Partitions and members are read from
    // another broker (the client's failover) and find nothing wrong.
    name: "broker 2 answering 500 to every admin call",
    setup: (t) => t.fault({ broker_id: 2, error_rate: 1 }),
    codes: { health: 1, quorum: 1, partitions: 0, members: 0, latency: 0 },
    says: {
      health: /^broker-2: unhealthy \(its admin API does not answer: HTTP 500 internal\)$/,
      quorum: /^broker-2: unreachable \(HTTP 500 internal\)$/,
    },
  },
  {
    name: "broker 3 crashed",
    setup: async (t) => {
      await t.stopBroker(3);
      const c = t.cluster();
      await eventually(
        async () => (await c.refresh()).members.find((m) => m.broker_id === 3)?.state === "offline",
        10_000,
        "broker 3 offline",
      );
    },
    codes: { health: 1, quorum: 1, partitions: 1, members: 1, latency: 1 },
    says: {
      health: /^broker-3: unreachable \(ECONNREFUSED\)/,
      quorum: /^broker-3: unreachable \(ECONNREFUSED\)$/,
      partitions: /^Partitions: \d+\/\d+ healthy$/,
      members: /^broker-3: offline, /,
      latency: /^broker-3: metrics not readable$/,
    },
  },
  {
    // Requests slowed by a 1 s latency fault stay in the histograms since the broker started;
    // the window after the fault was cleared has none of them.
    name: "after a cleared latency fault",
    setup: async (t) => {
      await t.fault({ latency_ms: 1_000 });
      await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          fetch(`${t.sim.brokerUrl((i % 3) + 1)}/admin/topics`).then((r) => r.arrayBuffer()),
        ),
      );
      await t.clearFaults();
    },
    codes: { health: 0, quorum: 0, partitions: 0, members: 0, latency: 0 },
  },
];

/**
 * Asserts the rule on one command's text run and JSON run, both expected to exit `expected`; returns
 * the text's `✗` lines (without the mark).
 */
function expectRule(text: Run, json: Run, expected: number): string[] {
  expect({ code: text.code, stderr: text.stderr }, text.stdout).toEqual({ code: expected, stderr: "" });
  expect(json.code).toBe(expected);
  const found = crosses(text);
  expect(found.length > 0, text.stdout).toBe(expected !== 0);
  const doc = JSON.parse(json.stdout) as {
    ok: boolean;
    exitCode: number;
    checks: Array<{ mark: string; text: string }>;
  };
  expect({ ok: doc.ok, exitCode: doc.exitCode }).toEqual({ ok: expected === 0, exitCode: expected });
  const jsonFindings = doc.checks.filter((c) => c.mark === "✗").map((c) => subject(c.text));
  expect(jsonFindings).toEqual(found.map(subject));
  return found;
}

const crosses = (r: Run) =>
  r.stdout
    .split("\n")
    .filter((l) => l.startsWith("✗ "))
    .map((l) => l.slice(2));
/** A finding's subject (`broker-3`, `Partitions`): the words before the first colon; numbers may differ between two runs. */
const subject = (text: string) => text.split(":")[0];

describe.each(SCENARIOS)("$name", (scenario) => {
  let t: TestSim;
  const runs: Record<string, { text: Run; json: Run }> = {};

  beforeAll(async () => {
    ensureBuilt();
    t = await startTestSim();
    const c = t.cluster();
    await eventually(async () => (await checkHealth(c)).ok, 15_000, "a healthy cluster");
    await scenario.setup(t);
    const env = { STREAMBUS_BROKERS: t.urls(1, 2, 3).join(",") };
    // One command at a time, text and JSON together: the 2-core machine is shared.
    for (const [name, args] of Object.entries(COMMANDS)) {
      const [text, json] = await Promise.all([runCli(args, env), runCli([...args, "--json"], env)]);
      runs[name] = { text, json };
    }
  }, 90_000);
  afterAll(() => t?.stop());

  it.each(Object.keys(COMMANDS))(
    "%s: a ✗ line if and only if a non-zero exit, and the JSON agrees",
    (name) => {
      const { text, json } = runs[name]!;
      const found = expectRule(text, json, scenario.codes[name]!);
      const pattern = scenario.says?.[name];
      if (pattern)
        expect(
          found.some((l) => pattern.test(l)),
          text.stdout,
        ).toBe(true);
    },
  );
});

describe("backups --verify and alerts", () => {
  let t: TestSim;
  let s3: TestS3;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    ensureBuilt();
    [t, s3] = await Promise.all([startTestSim(), startVersitygw()]);
    env = { ...s3.env, STREAMBUS_BROKERS: t.urls(1, 2, 3).join(",") };
    const c = t.cluster();
    await eventually(async () => (await checkHealth(c)).ok, 15_000, "a healthy cluster");
  }, 60_000);
  afterAll(async () => {
    await t?.stop();
    await s3?.stop();
  });

  const both = (args: string[]) => Promise.all([runCli(args, env), runCli([...args, "--json"], env)]);

  it("backups --verify: a backup that matches its manifest passes; a tampered object is a ✗ and exit 1", async () => {
    const b = await runCli(["backup"], env);
    const id = /^✓ Backup (\S+): /m.exec(b.stdout)?.[1];
    expect(id, b.stdout + b.stderr).toBeDefined();
    expectRule(...(await both(["backups", "--verify", id!])), 0);
    await s3.client.send(
      new PutObjectCommand({
        Bucket: s3.target.bucket,
        Key: `${id}/metadata.json`,
        Body: '{"tampered":true}',
      }),
    );
    const found = expectRule(...(await both(["backups", "--verify", id!])), 1);
    expect(found).toContain(`Backup ${id}: does not match its manifest`);
  });

  it("alerts prints no check lines and exits 0; its JSON says so", async () => {
    expectRule(...(await both(["alerts"])), 0);
  });
});
