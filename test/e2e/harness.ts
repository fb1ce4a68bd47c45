import { LocalWorkspace, type PulumiFn, type Stack } from "@pulumi/pulumi/automation";
import { existsSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { join, resolve } from "node:path";

/** The repository's root: the Pulumi project (Pulumi.yaml) the end-to-end stacks run in. */
export const repoRoot = resolve(__dirname, "../..");

/** The settings scripts/env.sh makes; the end-to-end tests refuse to run without them. */
function requireOfflineEnv(): { backendUrl: string } {
  const backendUrl = process.env.PULUMI_BACKEND_URL;
  if (!backendUrl?.startsWith("file://") || !process.env.PULUMI_CONFIG_PASSPHRASE) {
    throw new Error(
      "end-to-end tests need the offline Pulumi settings: run them through `make test`, or `source scripts/env.sh` first",
    );
  }
  if (!existsSync(join(repoRoot, "dist/providers/shim.js"))) {
    throw new Error("end-to-end tests load the compiled providers: run `npm run build` first");
  }
  return { backendUrl };
}

/** A throwaway stack of this project, driven through the Automation API with an inline program. */
export interface E2EStack {
  stack: Stack;
  /** The stack's state file in the local file backend, as the engine wrote it. */
  readStateFile(): Promise<string>;
  /** Destroys what is left, removes the stack and its config file. */
  cleanup(): Promise<void>;
}

/**
 * Creates a uniquely named stack of the repository's project for one test. The engine is the
 * real `pulumi` CLI on PATH; the program runs inline in this process (there is no Node.js
 * language host on this project's machines), and dynamic providers run in the
 * `pulumi-resource-pulumi-nodejs` plugin with the repository as their working directory.
 */
export async function createE2EStack(prefix: string, program: PulumiFn): Promise<E2EStack> {
  const { backendUrl } = requireOfflineEnv();
  const stackName = `e2e-${prefix}-${process.pid}-${Date.now().toString(36)}`;
  const stack = await LocalWorkspace.createStack(
    { stackName, projectName: "streambus", program },
    { workDir: repoRoot },
  );
  const stateFile = join(
    backendUrl.slice("file://".length),
    ".pulumi",
    "stacks",
    "streambus",
    `${stackName}.json`,
  );
  return {
    stack,
    readStateFile: () => readFile(stateFile, "utf8"),
    async cleanup() {
      try {
        await stack.destroy();
      } finally {
        await stack.workspace.removeStack(stackName, { force: true });
        await rm(join(repoRoot, `Pulumi.${stackName}.yaml`), { force: true });
      }
    },
  };
}
