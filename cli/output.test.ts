import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { withVerdict, type Command, type CommandContext } from "./command";
import { Output } from "./output";
import { loadCommandsReporting } from "./registry";

/** An `Output` writing into strings. */
function capture(json = false) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const sink = (into: string[]) =>
    ({ write: (s: string) => into.push(s), isTTY: false }) as unknown as NodeJS.WriteStream;
  const out = new Output(json, sink(stdout), sink(stderr));
  return { out, stdout, stderr, text: () => stdout.join("") };
}

/** Runs a command the way `main` does, with only the output in its context. */
function runWith(command: Command, out: Output): Promise<number> {
  const ctx = { out } as unknown as CommandContext;
  return withVerdict(command).run(ctx, { positionals: [], values: {}, lists: {} });
}

const cmd = (run: Command["run"]): Command => ({ name: "probe", order: 1, summary: "", usage: "", run });

describe("the rule: a ✗ line if and only if a non-zero exit", () => {
  it("derives the exit code from the ✗ lines; · and ! lines are neither pass nor finding", () => {
    const { out, text } = capture();
    out.check(true, "broker-1: healthy");
    out.state("broker-2: draining");
    out.warning("guards overridden by --force: min_voters");
    expect(out.exitCode()).toBe(0);
    out.check(false, "broker-3: unreachable (ECONNREFUSED)");
    expect(out.exitCode()).toBe(1);
    expect(out.exitCode(2)).toBe(2);
    expect(out.findings).toEqual(["broker-3: unreachable (ECONNREFUSED)"]);
    expect(text()).toBe(
      "✓ broker-1: healthy\n· broker-2: draining\n! guards overridden by --force: min_voters\n✗ broker-3: unreachable (ECONNREFUSED)\n",
    );
  });

  it("a command that prints a ✗ and returns 0 exits 1", async () => {
    const { out } = capture();
    const code = await runWith(
      cmd(async (ctx) => {
        ctx.out.check(false, "broker-2: unreachable (HTTP 500 internal)");
        return 0;
      }),
      out,
    );
    expect(code).toBe(1);
  });

  it("a command that fails without a ✗ or an error line gets a ✗ line saying so", async () => {
    const { out, text } = capture();
    const code = await runWith(
      cmd(async (ctx) => {
        ctx.out.check(true, "metrics: p99 4.9ms");
        return 1;
      }),
      out,
    );
    expect(code).toBe(1);
    expect(text()).toBe(
      "✓ metrics: p99 4.9ms\n✗ probe: exit 1 without a finding named (a bug in streambus-ops: please report it)\n",
    );
  });

  it("a failure said on stderr (a usage error of the command's own) keeps its code and adds nothing", async () => {
    const { out, text, stderr } = capture();
    const code = await runWith(
      cmd(async (ctx) => {
        ctx.out.error("--stack STACK is required");
        return 1;
      }),
      out,
    );
    expect({ code, stdout: text(), stderr }).toEqual({
      code: 1,
      stdout: "",
      stderr: ["streambus-ops: --stack STACK is required\n"],
    });
  });

  it("drift's 2 (drift found) with ✗ lines is kept", async () => {
    const { out } = capture();
    const code = await runWith(
      cmd(async (ctx) => {
        ctx.out.check(false, "quotas (ClusterQuotas): produceRate: 1000 in the stack, 5 live");
        return 2;
      }),
      out,
    );
    expect(code).toBe(2);
  });
});

describe("--json says what the lines say", () => {
  it("an object document gets ok, exitCode and every marked line, written once at the end", async () => {
    const { out, text } = capture(true);
    const code = await runWith(
      cmd(async (ctx) => {
        ctx.out.document({ clusterId: "c1", ok: true });
        ctx.out.check(true, "Raft: one leader");
        ctx.out.state("not judged (no requests in the 1.0s window): produce");
        ctx.out.check(false, "broker-3: unreachable (ECONNREFUSED)");
        expect(text()).toBe("");
        return 0;
      }),
      out,
    );
    expect(code).toBe(1);
    expect(JSON.parse(text())).toEqual({
      clusterId: "c1",
      ok: false,
      exitCode: 1,
      checks: [
        { mark: "✓", text: "Raft: one leader" },
        { mark: "·", text: "not judged (no requests in the 1.0s window): produce" },
        { mark: "✗", text: "broker-3: unreachable (ECONNREFUSED)" },
      ],
    });
  });

  it("an array document is written as it is; a command that throws still writes its document", async () => {
    const list = capture(true);
    await runWith(
      cmd(async (ctx) => {
        ctx.out.document([{ backupId: "20251110-120000", complete: true }]);
        return 0;
      }),
      list.out,
    );
    expect(JSON.parse(list.text())).toEqual([{ backupId: "20251110-120000", complete: true }]);

    const thrown = capture(true);
    const failing = runWith(
      cmd(async (ctx) => {
        ctx.out.document({ partial: true });
        throw new Error("no broker answered");
      }),
      thrown.out,
    );
    await expect(failing).rejects.toThrow("no broker answered");
    expect(JSON.parse(thrown.text())).toEqual({ partial: true });
  });
});

describe("every command the registry loads keeps the rule", () => {
  it("a command added later, knowing nothing of the rule, cannot print ✗ and exit 0", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sb-verdict-"));
    writeFileSync(
      join(dir, "careless.js"),
      'exports.command = { name: "careless", order: 1, summary: "s", usage: "", ' +
        'run: async (ctx) => { ctx.out.check(false, "something is wrong"); return 0; } };\n',
    );
    const [careless] = loadCommandsReporting(dir).commands;
    const { out } = capture();
    const code = await careless!.run({ out } as unknown as CommandContext, {
      positionals: [],
      values: {},
      lists: {},
    });
    expect(code).toBe(1);
  });
});
