import type * as pulumi from "@pulumi/pulumi";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";

/**
 * A generated file on the machine running Pulumi: the local platform's alert rules file and
 * Grafana dashboard. A resource rather than a write in the program, so `preview` writes nothing,
 * `destroy` removes it and `refresh` sees a hand edit. Loaded at run time by the thin shim.
 */

/** Inputs of a local file. */
export interface LocalFileInputs {
  /** The path; a relative one is taken from the Pulumi project's root. */
  path: string;
  /** The file's whole text. */
  content: string;
}

/** Outputs of a local file: what it holds, and where, resolved. */
export interface LocalFileOutputs extends LocalFileInputs {
  absolutePath: string;
}

async function put(inputs: LocalFileInputs): Promise<LocalFileOutputs> {
  const absolutePath = resolve(inputs.path);
  await mkdir(dirname(absolutePath), { recursive: true });
  await writeFile(absolutePath, inputs.content);
  return { ...inputs, absolutePath };
}

/** The local file provider's logic. */
export const provider: pulumi.dynamic.ResourceProvider<LocalFileInputs, LocalFileOutputs> = {
  async diff(_id, olds, news) {
    const replaces = olds.path !== news.path ? ["path"] : [];
    return {
      changes: replaces.length > 0 || olds.content !== news.content,
      replaces,
      deleteBeforeReplace: true,
    };
  },
  async create(inputs) {
    const outs = await put(inputs);
    return { id: outs.absolutePath, outs: outs satisfies LocalFileOutputs };
  },
  async read(id, props) {
    try {
      const content = await readFile(id, "utf8");
      return { id, props: { path: props?.path ?? id, absolutePath: id, content } satisfies LocalFileOutputs };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
      throw error;
    }
  },
  async update(_id, _olds, news) {
    return { outs: (await put(news)) satisfies LocalFileOutputs };
  },
  async delete(id) {
    await rm(id, { force: true });
  },
};
