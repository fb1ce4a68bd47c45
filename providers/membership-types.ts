/**
 * The membership resource's inputs and outputs, in a file of their own: the provider
 * (`membership.ts`) and the parts it calls (`membership-apply.ts`, `membership-check.ts`) all read
 * them, and with the types in `membership.ts` those files imported each other in a circle.
 */

/** Inputs of the membership resource. */
export interface MembershipInputs {
  /** The declared broker ids, ascending: the member set the stack wants. */
  brokers: number[];
  /** Broker id (as a string) → admin API URL reachable from where `pulumi` runs. */
  adminUrls: Record<string, string>;
  /** Which part of a change this resource makes: "all" (aws, local); on kubernetes "drain" (runs before the StatefulSet shrinks: rebalance onto the declared set, drain and leave the removed) and "join" (runs after it grows: join the added, rebalance). */
  phase: "all" | "drain" | "join";
  /** Moves at once during rebalances (streambus:rebalance.maxConcurrentMoves); absent: the cluster's default. */
  maxConcurrentMoves?: number;
  /** Copy throttle per move in bytes/s (streambus:rebalance.throttle); absent: the cluster's default. */
  throttleBytesPerS?: number;
  /** Deadline of one create/update in ms (streambus:rebalance.timeout). */
  timeoutMs: number;
  /** Override the guards (streambus:force); recorded in the outputs and the log. */
  force: boolean;
  /** The CA that signed the brokers' admin API certificates (PEM), for `https://` URLs; absent: Node's public CAs. */
  caCertificate?: string;
}

/** Outputs of the membership resource. */
export interface MembershipOutputs extends MembershipInputs {
  /** Members of the live cluster that are not declared (joined by hand or by another stack): never touched, only reported. */
  unmanaged: number[];
  /** Guards overridden by force in the last change, empty otherwise. */
  forcedGuards: string[];
  /**
   * Declared members that are offline (crashed: no heartbeat), as the last `read` saw them;
   * absent when none is, so that stacks from before this field see no change. A broker that goes
   * offline (or comes back) is a change at `pulumi refresh`, and so drift.
   */
  offline?: number[];
}
