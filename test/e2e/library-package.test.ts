/**
 * The package as a library (README, "Use it from your own program"): `npm pack` makes the
 * tarball a user would install, the tarball goes into a throwaway copy of `examples/local-cluster`,
 * the example is compiled against the tarball's types, and the plain `pulumi` CLI runs `up`, a
 * no-change preview and `destroy` against the emulator.
 *
 * How the tarball is installed: it is unpacked into the copy's `node_modules/streambus-infra`
 * (what `npm install <tgz>` puts there), and its dependencies are the repository's own
 * `node_modules`, linked one entry at a time beside it. Not `npm install`: that resolves the
 * dependencies (`@pulumi/aws`, `@pulumi/kubernetes`, ...) from the registry, which makes the test
 * depend on the network and take minutes; the links give the pinned versions of package-lock.json,
 * offline, and one `@pulumi/pulumi` for the program and the package (two would not share the
 * engine's connection). The shim's `require` of `streambus-infra/dist/<module>` from the program's
 * folder must find the unpacked tarball, not the repository: checked below, and by `up` itself.
 */
import { execFile } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSim, type SimCluster } from "../../sim";
import { repoRoot, runPulumi, type CliResult } from "./harness";

const run = promisify(execFile);

describe("the packed package, used from a program of one's own (examples/local-cluster)", () => {
  const work = mkdtempSync(join(tmpdir(), "sb-library-"));
  const example = join(work, "example");
  let sim: SimCluster;
  // The suite's pulumi and PULUMI_HOME (plugins, language host), a backend of the test's own.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PULUMI_BACKEND_URL: `file://${join(work, "backend")}`,
    PULUMI_CONFIG_PASSPHRASE: "library-test",
    PULUMI_SKIP_UPDATE_CHECK: "true",
  };

  function pulumi(...args: string[]): Promise<CliResult> {
    return runPulumi(args, { cwd: example, env });
  }

  const get = async (url: string) => (await fetch(url)).json() as Promise<Record<string, unknown>>;

  beforeAll(async () => {
    expect(existsSync(join(repoRoot, "dist/index.js")), "run `npm run build` first").toBe(true);
    sim = await startSim({ basePort: 0 });
    mkdirSync(join(example, "node_modules"), { recursive: true });
    mkdirSync(join(work, "backend"));
    for (const file of ["Pulumi.yaml", "package.json", "tsconfig.json", "index.ts"])
      cpSync(join(repoRoot, "examples/local-cluster", file), join(example, file));

    const { stdout } = await run("npm", ["pack", "--silent", "--pack-destination", work], {
      cwd: repoRoot,
      env: { ...process.env, npm_config_loglevel: "error" },
    });
    const tarball = join(work, stdout.trim().split("\n").pop()!);
    expect(existsSync(tarball), `npm pack made ${tarball}`).toBe(true);
    const unpacked = join(example, "node_modules/streambus-infra");
    mkdirSync(unpacked);
    await run("tar", ["-xzf", tarball, "-C", unpacked, "--strip-components=1"]);
    for (const entry of readdirSync(join(repoRoot, "node_modules"))) {
      if (entry === "streambus-infra" || entry.startsWith(".")) continue;
      symlinkSync(join(repoRoot, "node_modules", entry), join(example, "node_modules", entry));
    }
    // Compiled against the tarball's declarations: the exported types are what a user gets.
    await run(process.execPath, [join(repoRoot, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json"], {
      cwd: example,
    });
  }, 120_000);

  afterAll(async () => {
    // Whatever is left (a failed destroy) goes with the emulator and the folder.
    await sim?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it("holds dist/ with the main entry and its types, and the shim's modules resolve to it", async () => {
    const unpacked = join(example, "node_modules/streambus-infra");
    for (const file of [
      "dist/index.js",
      "dist/index.d.ts",
      "dist/providers/shim.js",
      "dist/components/cluster.js",
    ])
      expect(existsSync(join(unpacked, file)), file).toBe(true);
    expect(readdirSync(join(unpacked, "dist")).includes("test"), "no tests in the package").toBe(false);
    // What the shim does in the provider process: resolve from the program's folder.
    const { stdout } = await run(
      process.execPath,
      [
        "-e",
        'const { createRequire } = require("node:module");' +
          'console.log(createRequire(require("node:path").join(process.cwd(), "package.json"))' +
          '.resolve("streambus-infra/dist/providers/local-broker"))',
      ],
      { cwd: example },
    );
    expect(realpathSync(stdout.trim())).toBe(realpathSync(join(unpacked, "dist/providers/local-broker.js")));
  });

  it("a wrong argument fails the preview with the key and what to write", async () => {
    expect((await pulumi("stack", "init", "dev")).code).toBe(0);
    expect((await pulumi("config", "set", "controlUrl", "not-a-url")).code).toBe(0);
    const preview = await pulumi("preview");
    expect(preview.code).not.toBe(0);
    expect(preview.stdout + preview.stderr).toContain(
      'local.controlUrl: must be the emulator\'s control URL, like "http://127.0.0.1:7070"',
    );
  }, 120_000);

  it("up builds three brokers and two topics; a second preview changes nothing; destroy removes them", async () => {
    expect((await pulumi("config", "set", "controlUrl", sim.controlUrl)).code).toBe(0);
    const up = await pulumi("up", "--yes", "--skip-preview");
    expect(up.code, up.stdout + up.stderr).toBe(0);

    const machines = (await get(`${sim.controlUrl}/sim/brokers`)).brokers as Array<{
      broker_id: number;
      admin_url: string;
    }>;
    expect(machines.map((m) => m.broker_id).sort()).toEqual([1, 2, 3]);
    const admin = machines[0]!.admin_url;
    const members = (await get(`${admin}/admin/cluster/members`)).members as Array<{
      broker_id: number;
      state: string;
    }>;
    expect(
      members
        .filter((m) => m.state === "active")
        .map((m) => m.broker_id)
        .sort(),
    ).toEqual([1, 2, 3]);
    const topics = (await get(`${admin}/admin/topics`)).topics as Array<{
      name: string;
      partitions: number;
      config: { cleanup_policy: string };
    }>;
    const mine = topics.filter((t) => t.name.startsWith("payments"));
    expect(mine.map((t) => [t.name, t.partitions, t.config.cleanup_policy]).sort()).toEqual([
      ["payments", 6, "delete"],
      ["payments-audit", 1, "compact"],
    ]);
    const outputs = JSON.parse((await pulumi("stack", "output", "--json")).stdout) as Record<string, unknown>;
    expect(outputs.brokerIds).toEqual([1, 2, 3]);

    const again = await pulumi("preview", "--expect-no-changes");
    expect(again.code, again.stdout + again.stderr).toBe(0);

    const destroy = await pulumi("destroy", "--yes", "--skip-preview");
    expect(destroy.code, destroy.stdout + destroy.stderr).toBe(0);
    expect((await get(`${sim.controlUrl}/sim/brokers`)).brokers).toEqual([]);
  }, 240_000);
});
