import { UnknownBrokerError, type Cluster } from "../../procedures/client";

/** Throws `UnknownBrokerError` (exit 2) unless `id` is a member. Not a command: exports none. */
export function requireMember(cluster: Cluster, id: number): void {
  if (!cluster.brokerIds.includes(id)) throw new UnknownBrokerError(id, cluster.brokerIds);
}
