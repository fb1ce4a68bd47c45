import * as pulumi from "@pulumi/pulumi";
import { shimProvider } from "../shim";
import type { LiveFileInputs, LiveFileOutputs } from "./live-file";

/** Arguments of a {@link LiveFile}. */
export interface LiveFileArgs {
  /** Where the live value is kept. */
  path: pulumi.Input<string>;
  /** The declared value. */
  value: pulumi.Input<string>;
  /** A credential; pass it as a secret (`pulumi.secret(...)`). */
  token: pulumi.Input<string>;
}

/**
 * A JSON file managed through the thin-shim dynamic provider: the toolchain's smoke test
 * resource. Its logic lives in `providers/testing/live-file.ts` and is loaded at run time.
 */
export class LiveFile extends pulumi.dynamic.Resource {
  /** The file's path (also the resource id). */
  declare public readonly path: pulumi.Output<string>;
  /** The value the file holds, as last read. */
  declare public readonly value: pulumi.Output<string>;

  constructor(name: string, args: LiveFileArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      shimProvider<LiveFileInputs, LiveFileOutputs>("providers/testing/live-file"),
      name,
      { ...args, value: args.value, path: args.path },
      opts,
      "streambus",
      "LiveFile",
    );
  }
}
