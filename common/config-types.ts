import type * as pulumi from "@pulumi/pulumi";
import type { ParsedStackConfig } from "./config-schema";

/**
 * The validated stack config as every layer reads it (components, the CLI, the program): the
 * types only, derived from the schema (`config-schema.ts`). `stacks/config.ts` makes one from a
 * stack's config (`parseStackConfig`, `loadConfig`); the rest of the project takes it as given.
 */

/** Where brokers run. */
export type Platform = ParsedStackConfig["platform"];

type Common = Omit<
  ParsedStackConfig,
  "platform" | "brokers" | "adminToken" | "sshPrivateKey" | "local" | "aws" | "kubernetes" | "tls"
>;

/** The `tls` block, resolved: `enabled` by platform when not set, the operator's CA key a secret. */
export type TlsConfig = Omit<ParsedStackConfig["tls"], "enabled" | "caKey"> & {
  /** Whether the admin API is served over HTTPS. Defaults to true on aws and kubernetes, and on local when a CA is given. */
  enabled: boolean;
  /** The operator's CA key (with `caCertificate`), a secret Output; absent: the stack makes its own CA. */
  caKey?: pulumi.Input<string>;
};

/** The `local` block: the emulator. */
export type LocalConfig = NonNullable<ParsedStackConfig["local"]>;
/** The `aws` block. */
export type AwsConfig = NonNullable<ParsedStackConfig["aws"]>;
/** The `kubernetes` block. */
export type KubernetesConfig = NonNullable<ParsedStackConfig["kubernetes"]>;

/** A validated, normalized stack config: sizes in bytes, durations in ms, rates in bytes/s. */
export type StackConfig = Common & {
  /** The broker ids, sorted: each is a stable resource name (`broker-4`). */
  brokerIds: number[];
  /** Whether `brokers` was a count (ids 1..N) or an explicit list. */
  brokersGivenAs: "count" | "list";
  /** The admin API's bearer token (a secret); absent only on `local`. */
  adminToken?: pulumi.Input<string>;
  /** TLS on the admin API. */
  tls: TlsConfig;
} & (
    | { platform: "local"; local: LocalConfig }
    | { platform: "aws"; aws: AwsConfig; sshPrivateKey: pulumi.Input<string> }
    | { platform: "kubernetes"; kubernetes: KubernetesConfig }
  );
