/**
 * The README's "The local stack, by hand", run as written: its shell blocks are read from
 * README.md, so that the test breaks when the README changes to something that does not work.
 *
 * What is changed, and only this:
 * - the port: `7070` becomes a free base port, in the blocks and in the copy of Pulumi.local.yaml
 *   (whose `controlUrl` names it);
 * - where: a throwaway copy of the project (Pulumi.yaml, Pulumi.local.yaml, dist/, and links to
 *   node_modules/, bin/, scripts/ and the toolchain's .streambus/bin), so that scripts/env.sh
 *   there makes its own file backend and the stack `local` and its config changes never touch a
 *   developer's (`STREAMBUS_BACKEND_URL=project`, as the Makefile sets it, so that a `pulumi
 *   login` of the developer is not used either);
 * - `make build` does nothing (the suite runs on a built tree: `make test` builds first);
 * - `PULUMI_SKIP_CONFIRMATIONS=true` answers `pulumi up` and `pulumi destroy`'s question;
 * - the PATH has no streambus-* command before `source scripts/env.sh` (it must put them there).
 * After each line of the Pulumi block, the emulator's machines and the cluster's members are read.
 */
import { spawn, type ChildProcess } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findFreeRange } from "../../sim";
import { repoRoot } from "./harness";

/** The fenced `sh` blocks of the README section titled `title`. */
function sectionBlocks(readme: string, title: string): string[] {
  const start = readme.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`README.md has no section "## ${title}"`);
  const rest = readme.slice(start + 1);
  const end = rest.indexOf("\n## ", 1);
  const section = end < 0 ? rest : rest.slice(0, end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/** The commands of a block: one per line, comment lines and blank lines left out. */
function commandLines(block: string): string[] {
  expect(block, "a README command continued on the next line").not.toMatch(/\\\n/);
  return block.split("\n").filter((line) => line.trim() !== "" && !line.trim().startsWith("#"));
}

/** What one step of the Pulumi block left: its exit code, the emulator's machines, the active members. */
interface Step {
  line: string;
  rc: number;
  machines: number[];
  members: number[];
}

// Reads the emulator's machines (control API) and the active members (broker admin API).
const PROBE = `
const base = Number(process.argv[1]);
const get = (url) => fetch(url).then((r) => r.json());
(async () => {
  const machines = (await get("http://127.0.0.1:" + base + "/sim/brokers")).brokers;
  let members = [];
  const running = machines.find((m) => m.running);
  if (running) members = (await get(running.admin_url + "/admin/cluster/members")).members;
  console.log(JSON.stringify({
    machines: machines.map((m) => m.broker_id).sort((a, b) => a - b),
    members: members.filter((m) => m.state === "active").map((m) => m.broker_id).sort((a, b) => a - b),
  }));
})().catch((e) => console.log(JSON.stringify({ error: String(e) })));
`;

describe('README "The local stack, by hand", as written', () => {
  const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
  const blocks = sectionBlocks(readme, "The local stack, by hand");
  const emulatorBlock = blocks.find((b) => /\bstreambus-sim\b/.test(b));
  const pulumiBlocks = blocks.filter((b) => b !== emulatorBlock);
  const project = mkdtempSync(join(tmpdir(), "sb-readme-"));
  let port = 0;
  let emulator: ChildProcess | undefined;
  let emulatorLog = "";

  // The developer's settings stay out: no PULUMI_* of theirs, no streambus-* command on PATH.
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^PULUMI_|^STREAMBUS_/.test(k)),
  );
  env.PATH = (process.env.PATH ?? "")
    .split(delimiter)
    .filter((dir) => !dir.startsWith(repoRoot))
    .join(delimiter);
  env.STREAMBUS_BACKEND_URL = "project";
  env.PULUMI_SKIP_CONFIRMATIONS = "true";
  // `make build` is the suite's own job; any other make target is not expected here.
  const prelude = 'make() { [[ "$*" == build ]] || { echo "unexpected: make $*" >&2; return 1; }; }\n';
  const withPort = (text: string) => text.replaceAll("7070", String(port));

  beforeAll(async () => {
    expect(emulatorBlock, "the section starts the emulator (streambus-sim)").toBeDefined();
    port = await findFreeRange(24);
    for (const file of ["Pulumi.yaml", "package.json"])
      writeFileSync(join(project, file), readFileSync(join(repoRoot, file)));
    writeFileSync(
      join(project, "Pulumi.local.yaml"),
      withPort(readFileSync(join(repoRoot, "Pulumi.local.yaml"), "utf8")),
    );
    // dist/ is copied, not linked: the program finds its project (where the alert rules and the
    // dashboard land) from its own folder, and a link would lead it back to the repository.
    cpSync(join(repoRoot, "dist"), join(project, "dist"), { recursive: true });
    for (const dir of ["node_modules", "bin", "scripts"])
      symlinkSync(join(repoRoot, dir), join(project, dir));
    mkdirSync(join(project, ".streambus"));
    symlinkSync(join(repoRoot, ".streambus", "bin"), join(project, ".streambus", "bin"));

    // The first terminal: the emulator, until the test ends. Its own process group, so that the
    // whole terminal is stopped at the end.
    emulator = spawn("bash", ["-c", prelude + withPort(emulatorBlock!)], {
      cwd: project,
      env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    await new Promise<void>((ready, fail) => {
      emulator!.stdout!.on("data", (chunk: Buffer) => {
        emulatorLog += chunk.toString();
        if (/streambus-sim ready/.test(emulatorLog)) ready();
      });
      emulator!.stderr!.on("data", (chunk: Buffer) => (emulatorLog += chunk.toString()));
      emulator!.on("exit", (code) =>
        fail(new Error(`the emulator's block ended (${code}):\n${emulatorLog}`)),
      );
    });
  }, 60_000);

  afterAll(async () => {
    if (emulator?.pid && emulator.exitCode === null) {
      const exited = new Promise((r) => emulator!.once("exit", r));
      process.kill(-emulator.pid, "SIGTERM");
      await exited;
    }
    rmSync(project, { recursive: true, force: true });
  }, 30_000);

  it("3 members, then 4, back to 3, then nothing after destroy; every command succeeds", async () => {
    expect(emulatorLog).toContain(`control http://127.0.0.1:${port}`);
    const lines = pulumiBlocks.flatMap((b) => commandLines(withPort(b)));
    // The second terminal: each line as typed, then what it left.
    const script =
      prelude +
      `__probe() { node -e '${PROBE.replaceAll("'", "'\\''")}' ${port}; }\n` +
      lines
        .map(
          (line, i) =>
            `${line}\n__rc=$?; printf '::step ${i} %s %s\\n' "$__rc" "$(__probe)"; [[ $__rc == 0 ]] || exit $__rc\n`,
        )
        .join("");
    const run = spawn("bash", ["-c", script], { cwd: project, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    run.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    run.stderr.on("data", (chunk: Buffer) => (out += chunk.toString()));
    const code = await new Promise<number>((done) => run.on("close", (c) => done(c ?? 1)));

    const steps: Step[] = [...out.matchAll(/^::step (\d+) (\d+) (.*)$/gm)].map((m) => ({
      line: lines[Number(m[1])]!,
      rc: Number(m[2]),
      ...(JSON.parse(m[3]!) as { machines: number[]; members: number[] }),
    }));
    const failed = steps.find((s) => s.rc !== 0);
    expect(failed, `a README command failed:\n${out.slice(-4000)}`).toBeUndefined();
    expect(code, out.slice(-4000)).toBe(0);
    expect(steps.map((s) => s.line)).toEqual(lines);

    const after = (pattern: RegExp) => {
      const step = steps.find((s) => pattern.test(s.line));
      expect(step, `a README line matching ${pattern}`).toBeDefined();
      return { machines: step!.machines, members: step!.members };
    };
    expect(after(/^pulumi version/)).toEqual({ machines: [], members: [] });
    expect(out).toContain("v3.259.0");
    expect(after(/^pulumi preview/)).toEqual({ machines: [], members: [] }); // a preview changes nothing
    expect(after(/^pulumi up\b/)).toEqual({ machines: [1, 2, 3], members: [1, 2, 3] });
    expect(after(/brokers 4 && pulumi up/)).toEqual({ machines: [1, 2, 3, 4], members: [1, 2, 3, 4] });
    expect(after(/brokers 3 && pulumi up/)).toEqual({ machines: [1, 2, 3], members: [1, 2, 3] });
    expect(after(/^pulumi destroy/)).toMatchObject({ machines: [] });
    // What the stack wrote went to the copy, and the destroy took it away again.
    expect(out).toContain(join(project, ".streambus", "local", "streambus-rules.yml"));
    expect(existsSync(join(project, ".streambus", "local", "streambus-rules.yml"))).toBe(false);
    // The emulator keeps the cluster where the README's --state-dir says (what a restart reads).
    const stateDir = /--state-dir (\S+)/.exec(emulatorBlock!)?.[1];
    if (stateDir) expect(existsSync(join(project, stateDir, "cluster.json"))).toBe(true);
    expect(out).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  }, 300_000);
});
