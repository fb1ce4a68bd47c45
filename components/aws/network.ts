import { isOpenToWorld } from "../../common/config-fields";
import type { StackConfig } from "../../common/config-types";

/** One ingress rule of the brokers' security group, in `aws.ec2.SecurityGroup`'s shape. */
export interface IngressRule {
  description: string;
  protocol: "tcp";
  fromPort: number;
  toPort: number;
  cidrBlocks?: string[];
  /** The group itself: the other brokers. */
  self?: boolean;
}

/** What the brokers' security group opens, and to whom. */
export interface IngressInputs {
  ports: StackConfig["ports"];
  clientCidrs: readonly string[];
  operatorCidrs: readonly string[];
}

/**
 * The brokers' ingress: the client port from the client CIDRs (and the brokers), the admin API
 * and ssh from the operators' CIDRs (and the brokers, since followers forward admin writes to the
 * leader), and the Raft port between brokers only.
 */
export function brokerIngressRules({ ports, clientCidrs, operatorCidrs }: IngressInputs): IngressRule[] {
  const rules: IngressRule[] = [
    {
      description: "clients",
      protocol: "tcp",
      fromPort: ports.client,
      toPort: ports.client,
      cidrBlocks: [...clientCidrs],
    },
    {
      description: "brokers: client port",
      protocol: "tcp",
      fromPort: ports.client,
      toPort: ports.client,
      self: true,
    },
    {
      description: "operators: admin API",
      protocol: "tcp",
      fromPort: ports.admin,
      toPort: ports.admin,
      cidrBlocks: [...operatorCidrs],
    },
    {
      description: "brokers: admin API (forwarded writes)",
      protocol: "tcp",
      fromPort: ports.admin,
      toPort: ports.admin,
      self: true,
    },
    { description: "brokers: Raft", protocol: "tcp", fromPort: ports.raft, toPort: ports.raft, self: true },
    {
      description: "operators: ssh (config push)",
      protocol: "tcp",
      fromPort: 22,
      toPort: 22,
      cidrBlocks: [...operatorCidrs],
    },
  ];
  assertNoOpenAdminOrRaft(rules, ports);
  return rules;
}

/**
 * Refuses any rule that opens the admin API, Raft or ssh to the whole internet, or opens Raft
 * to anything but the brokers. The config schema already refuses such CIDRs; this guards the
 * rules themselves, whoever builds them.
 */
export function assertNoOpenAdminOrRaft(rules: readonly IngressRule[], ports: StackConfig["ports"]): void {
  for (const rule of rules) {
    const covers = (port: number) => rule.fromPort <= port && port <= rule.toPort;
    const guarded = [ports.admin, ports.raft, 22].filter(covers);
    const open = (rule.cidrBlocks ?? []).filter(isOpenToWorld);
    if (guarded.length > 0 && open.length > 0) {
      throw new Error(
        `security group rule "${rule.description}" opens port ${guarded.join(", ")} to ${open.join(", ")}: never allowed`,
      );
    }
    if (covers(ports.raft) && (rule.cidrBlocks ?? []).length > 0) {
      throw new Error(
        `security group rule "${rule.description}" opens the Raft port to CIDRs: only brokers may reach it`,
      );
    }
  }
}
