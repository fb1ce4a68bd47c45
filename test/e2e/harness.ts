import { LocalWorkspace, type PulumiFn, type Stack } from "@pulumi/pulumi/automation";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { join, resolve } from "node:path";

/** The repository's root: the Pulumi project (Pulumi.yaml) the end-to-end stacks run in. */
export const repoRoot = resolve(__dirname, "../..");

/** The settings scripts/env.sh makes; the end-to-end tests refuse to run without them. */
function requireOfflineEnv(): { backendUrl: string } {
  const backendUrl = process.env.PULUMI_BACKEND_URL;
  // Only the project's own file backend: env.sh keeps a user's backend (an exported one or a
  // `pulumi login`), and throwaway test stacks must never land there.
  if (backendUrl !== `file://${join(repoRoot, ".pulumi/backend")}` || !process.env.PULUMI_CONFIG_PASSPHRASE) {
    throw new Error(
      "end-to-end tests run on the project's own file backend: run them through `make test`, or " +
        "`STREAMBUS_BACKEND_URL=project source scripts/env.sh` first",
    );
  }
  if (
    !existsSync(join(repoRoot, "dist/stacks/main.js")) ||
    !existsSync(join(repoRoot, "dist/providers/shim.js"))
  ) {
    throw new Error("end-to-end tests run the compiled program and providers: run `npm run build` first");
  }
  return { backendUrl };
}

/** What a `pulumi` command printed, and how it ended. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the plain `pulumi` CLI in the repository, as a user types it (`pulumi up --yes`), with the
 * offline settings of scripts/env.sh from the environment (`cwd`: another project's folder, e.g.
 * an example program). Never throws on a non-zero exit.
 */
export function runPulumi(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<CliResult> {
  const child = spawn("pulumi", [...args, "--non-interactive", "--color", "never"], {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((done, fail) => {
    child.on("error", fail);
    child.on("close", (code) => done({ code: code ?? 1, stdout, stderr }));
  });
}

/** A throwaway stack of this project for one test file. */
export interface E2EStack {
  /** The stack's name. */
  name: string;
  /** The Automation API's handle on it. */
  stack: Stack;
  /** Runs `pulumi ARGS --stack NAME` in the repository, as a user would. */
  pulumi(...args: string[]): Promise<CliResult>;
  /** The stack's state file in the local file backend, as the engine wrote it. */
  readStateFile(): Promise<string>;
  /** Destroys what is left, removes the stack and its config file. */
  cleanup(): Promise<void>;
}

/**
 * Creates a uniquely named stack of the repository's project. The engine is the real `pulumi`
 * CLI on PATH. Without `program`, the stack runs the project's own program as users run it: the
 * CLI starts `dist/stacks/main.js` through the Node.js language host. With `program`, that
 * function runs inline in this process (the Automation API's inline mode), for tests of
 * resources that are not part of the project's program.
 */
export async function createE2EStack(prefix: string, program?: PulumiFn): Promise<E2EStack> {
  const { backendUrl } = requireOfflineEnv();
  const name = `e2e-${prefix}-${process.pid}-${Date.now().toString(36)}`;
  const stack = program
    ? await LocalWorkspace.createStack(
        { stackName: name, projectName: "streambus", program },
        { workDir: repoRoot },
      )
    : await LocalWorkspace.createStack({ stackName: name, workDir: repoRoot });
  const stateFile = join(
    backendUrl.slice("file://".length),
    ".pulumi",
    "stacks",
    "streambus",
    `${name}.json`,
  );
  return {
    name,
    stack,
    pulumi: (...args: string[]) => runPulumi([...args, "--stack", name]),
    readStateFile: () => readFile(stateFile, "utf8"),
    async cleanup() {
      try {
        await stack.destroy();
      } finally {
        await stack.workspace.removeStack(name, { force: true });
        await rm(join(repoRoot, `Pulumi.${name}.yaml`), { force: true });
      }
    },
  };
}
