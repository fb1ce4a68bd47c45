import * as pulumi from "@pulumi/pulumi";
import type { LocalBrokerInputs, LocalBrokerOutputs } from "../../providers/local-broker";
import type { LocalFileInputs, LocalFileOutputs } from "../../providers/local-file";
import { shimProvider } from "../../providers/shim";

/** Arguments of a {@link LocalBroker}. */
export interface LocalBrokerArgs {
  /** The emulator's control URL. */
  controlUrl: pulumi.Input<string>;
  /** The broker's id. */
  brokerId: pulumi.Input<number>;
  /** The broker's rack. */
  rack: pulumi.Input<string>;
  /** The broker's config file (read at start); a change is written in place and rolled by `RollingRestart`. */
  config?: pulumi.Input<string>;
  /** The broker's admin API certificate and its key (a secret): it serves HTTPS with them. Defaults to none: plain HTTP. */
  tls?: { certificate: pulumi.Input<string>; privateKey: pulumi.Input<string> };
}

/** One emulator broker, through the thin-shim provider in `providers/local-broker.ts`. */
export class LocalBroker extends pulumi.dynamic.Resource {
  /** The broker's id. */
  declare public readonly brokerId: pulumi.Output<number>;
  /** The broker's admin API, as the emulator reports it. */
  declare public readonly adminUrl: pulumi.Output<string>;
  /** The broker's rack. */
  declare public readonly rack: pulumi.Output<string>;

  constructor(name: string, args: LocalBrokerArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      shimProvider<LocalBrokerInputs, LocalBrokerOutputs>("providers/local-broker"),
      name,
      {
        controlUrl: args.controlUrl,
        brokerId: args.brokerId,
        rack: args.rack,
        config: args.config,
        tls: args.tls !== undefined,
        ...(args.tls !== undefined
          ? { tlsCertificate: args.tls.certificate, tlsKey: pulumi.secret(args.tls.privateKey) }
          : {}),
        adminUrl: undefined,
      },
      opts,
      "streambus",
      "LocalBroker",
    );
  }
}

/** Arguments of a {@link LocalFile}. */
export interface LocalFileArgs {
  /** The path; a relative one is taken from the Pulumi project's root. */
  path: pulumi.Input<string>;
  /** The file's whole text. */
  content: pulumi.Input<string>;
}

/** A generated file, through the thin-shim provider in `providers/local-file.ts`. */
export class LocalFile extends pulumi.dynamic.Resource {
  /** The file's absolute path. */
  declare public readonly absolutePath: pulumi.Output<string>;

  constructor(name: string, args: LocalFileArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      shimProvider<LocalFileInputs, LocalFileOutputs>("providers/local-file"),
      name,
      { ...args, absolutePath: undefined },
      opts,
      "streambus",
      "LocalFile",
    );
  }
}
