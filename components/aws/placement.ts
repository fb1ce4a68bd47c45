import type { AwsConfig } from "../../common/config-types";

/** A subnet and its availability zone, as the stack config lists them. */
export type Subnet = AwsConfig["subnets"][number];

/**
 * Which subnet (and so which availability zone) each broker lives in. The choice depends on the
 * broker's id only, never on its position in the list, so removing broker 2 moves no other
 * broker; ids 1..N land round-robin, so no zone holds more than one broker more than another.
 */
export function placeBrokers(brokerIds: readonly number[], subnets: readonly Subnet[]): Map<number, Subnet> {
  if (subnets.length === 0) throw new Error("aws.subnets must list at least one subnet to place brokers in");
  const placement = new Map<number, Subnet>();
  for (const id of brokerIds) {
    const subnet = subnets[(id - 1) % subnets.length];
    if (subnet !== undefined) placement.set(id, subnet);
  }
  return placement;
}
