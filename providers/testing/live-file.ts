import type * as pulumi from "@pulumi/pulumi";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

/** Inputs of a {@link LiveFile}: a JSON file on disk standing in for a live system's setting. */
export interface LiveFileInputs {
  /** Where the live value is kept. */
  path: string;
  /** The declared value. */
  value: string;
  /** A credential the provider needs but must never echo into its outputs (a secret input). */
  token: string;
}

/** Outputs of a {@link LiveFile}: what the live file holds. The token is deliberately absent. */
export interface LiveFileOutputs {
  path: string;
  value: string;
}

async function readLive(path: string): Promise<string | undefined> {
  try {
    return (JSON.parse(await readFile(path, "utf8")) as { value: string }).value;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

async function writeLive(path: string, value: string, token: string): Promise<void> {
  if (!token) throw new Error("live-file: token is required");
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, JSON.stringify({ value }) + "\n");
}

/**
 * A deliberately tiny provider: the toolchain's smoke test takes it through preview, up,
 * refresh (after the file was changed out of band) and destroy, proving that the real engine,
 * the thin shim and secret handling work together. `read` asks the live file, so `refresh`
 * sees drift; `diff` compares the declared `value` only.
 */
export const provider: pulumi.dynamic.ResourceProvider<LiveFileInputs, LiveFileOutputs> = {
  async diff(_id, olds, news) {
    const replaces = olds.path !== news.path ? ["path"] : [];
    const changes = replaces.length > 0 || olds.value !== news.value;
    return { changes, replaces, deleteBeforeReplace: true };
  },
  async create(inputs) {
    await writeLive(inputs.path, inputs.value, inputs.token);
    return { id: inputs.path, outs: { path: inputs.path, value: inputs.value } satisfies LiveFileOutputs };
  },
  async read(id, props) {
    const value = await readLive(id);
    if (value === undefined) return {};
    return { id, props: { path: props?.path ?? id, value } satisfies LiveFileOutputs };
  },
  async update(_id, _olds, news) {
    await writeLive(news.path, news.value, news.token);
    return { outs: { path: news.path, value: news.value } satisfies LiveFileOutputs };
  },
  async delete(id) {
    await rm(id, { force: true });
  },
};
