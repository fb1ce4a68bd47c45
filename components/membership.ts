import * as pulumi from "@pulumi/pulumi";
import type { MembershipInputs, MembershipOutputs } from "../providers/membership";
import { shimProvider } from "../providers/shim";
import type { StackConfig } from "../common/config-types";

/** Which part of a membership change a {@link ClusterMembership} makes. */
export type MembershipPhase = MembershipInputs["phase"];

/** Arguments of a {@link ClusterMembership}. */
export interface ClusterMembershipArgs {
  /** The declared broker ids: the member set the stack wants. */
  brokers: number[];
  /** Broker id → an admin URL reachable from where `pulumi` runs. */
  adminUrls: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** "all" (aws, local), or on kubernetes "drain" (before the StatefulSet) and "join" (after it). Defaults to "all". */
  phase?: MembershipPhase;
  /** Moves at once during a rebalance. Defaults to the cluster's own. */
  maxConcurrentMoves?: number;
  /** Copy throttle per move, in bytes per second. Defaults to the cluster's own. */
  throttleBytesPerS?: number;
  /** How long one change may wait, in milliseconds, before it fails (the cluster's work goes on). */
  timeoutMs: number;
  /** Override the guards (fewer than 3 voters, replication, no leader, offline partitions). Defaults to false. */
  force?: boolean;
  /** The CA of the brokers' admin API certificates, for `https://` URLs. Defaults to none: Node's public CAs. */
  caCertificate?: pulumi.Input<string>;
}

/**
 * The live cluster's member set, as one resource for the whole cluster. Its update joins the
 * added brokers, rebalances once across the declared set, then drains and makes the removed
 * leave one at a time, judging the guards again before each. It depends on every broker's
 * machine, so Pulumi updates it after new machines exist and before it deletes removed ones
 * (deletes run at the end of an update). The admin token reaches the provider through the
 * stack's config (`streambus:adminToken`), never through this resource's inputs.
 */
export class ClusterMembership extends pulumi.dynamic.Resource {
  /** The declared brokers that are active members of the live cluster (after `refresh`). */
  declare public readonly brokers: pulumi.Output<number[]>;
  /** Members of the live cluster the stack does not declare: reported, never touched. */
  declare public readonly unmanaged: pulumi.Output<number[]>;
  /** Guards that `streambus:force` overrode in the last change. */
  declare public readonly forcedGuards: pulumi.Output<string[]>;
  /** Declared members that were offline (crashed) at the last `refresh`; undefined when none was. */
  declare public readonly offline: pulumi.Output<number[] | undefined>;

  constructor(name: string, args: ClusterMembershipArgs, opts?: pulumi.CustomResourceOptions) {
    const inputs: Record<keyof MembershipOutputs, unknown> = {
      brokers: [...args.brokers].sort((a, b) => a - b),
      adminUrls: args.adminUrls,
      phase: args.phase ?? "all",
      maxConcurrentMoves: args.maxConcurrentMoves,
      throttleBytesPerS: args.throttleBytesPerS,
      timeoutMs: args.timeoutMs,
      force: args.force ?? false,
      caCertificate: args.caCertificate,
      unmanaged: undefined,
      forcedGuards: undefined,
      offline: undefined,
    };
    super(
      shimProvider<MembershipInputs, MembershipOutputs>("providers/membership"),
      name,
      inputs,
      opts,
      "streambus",
      "ClusterMembership",
    );
  }
}

/**
 * The membership arguments a stack's config gives: the declared brokers, each one's admin URL
 * (`streambus:adminEndpoints` where the operator named one, else the platform's), and the
 * rebalance settings of `streambus:rebalance`.
 */
export function membershipArgs(
  config: StackConfig,
  platformUrls: ReadonlyMap<number, pulumi.Input<string>>,
  phase: MembershipPhase = "all",
  caCertificate?: pulumi.Input<string>,
): ClusterMembershipArgs {
  const adminUrls: Record<string, pulumi.Input<string>> = {};
  for (const id of config.brokerIds) {
    const url = config.adminEndpoints[String(id)] ?? platformUrls.get(id);
    if (url === undefined)
      throw new Error(`broker ${id} has no admin URL: set streambus:adminEndpoints.${id}`);
    adminUrls[String(id)] = url;
  }
  return {
    brokers: config.brokerIds,
    adminUrls,
    phase,
    maxConcurrentMoves: config.rebalance.maxConcurrentMoves,
    throttleBytesPerS: config.rebalance.throttle,
    timeoutMs: config.rebalance.timeout,
    force: config.force,
    ...(caCertificate !== undefined ? { caCertificate } : {}),
  };
}
