import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { CLOUD_TYPES, DEFAULT_PORTS, guardedPortsIn, isOpenToWorld, known } from "./support";

/** `no-open-admin-or-raft`'s config: the stack's `streambus:ports` when they are not the defaults. */
export interface PortsConfig {
  adminPort: number;
  raftPort: number;
}

const PORTS_DEFAULTS: PortsConfig = { adminPort: DEFAULT_PORTS.admin, raftPort: DEFAULT_PORTS.raft };

const FIX =
  "Fix: open the admin API only to streambus:aws.operatorCidrs (or kubernetes.adminAccess) and Raft only " +
  "between the brokers themselves, never to 0.0.0.0/0 or ::/0.";

type Rule = { fromPort?: unknown; toPort?: unknown; protocol?: unknown; cidrs: unknown[] };

/** The aws ingress rules a resource declares, in one shape (security group, rule, VPC rule). */
function awsIngress(args: ResourceValidationArgs): Rule[] {
  const p = args.props;
  switch (args.type) {
    case CLOUD_TYPES.securityGroup:
      return ((known(() => p.ingress as unknown[]) ?? []) as Array<Record<string, unknown>>).map((r) => ({
        fromPort: known(() => r.fromPort),
        toPort: known(() => r.toPort),
        protocol: known(() => r.protocol),
        cidrs: [
          ...((known(() => r.cidrBlocks) as unknown[]) ?? []),
          ...((known(() => r.ipv6CidrBlocks) as unknown[]) ?? []),
        ],
      }));
    case CLOUD_TYPES.securityGroupRule:
      if (known(() => p.type) !== "ingress") return [];
      return [
        {
          fromPort: known(() => p.fromPort),
          toPort: known(() => p.toPort),
          protocol: known(() => p.protocol),
          cidrs: [
            ...((known(() => p.cidrBlocks) as unknown[]) ?? []),
            ...((known(() => p.ipv6CidrBlocks) as unknown[]) ?? []),
          ],
        },
      ];
    case CLOUD_TYPES.ingressRule:
      return [
        {
          fromPort: known(() => p.fromPort),
          toPort: known(() => p.toPort),
          protocol: known(() => p.ipProtocol),
          cidrs: [known(() => p.cidrIpv4), known(() => p.cidrIpv6)],
        },
      ];
    default:
      return [];
  }
}

/** Whether a kubernetes port entry (number or name) is one of the guarded ports. */
function k8sGuarded(port: unknown, ports: { admin: number; raft: number }): Array<"admin" | "raft"> {
  return (["admin", "raft"] as const).filter((p) => port === ports[p] || port === p);
}

/** The guarded ports a kubernetes NetworkPolicy or Service opens to the whole internet. */
function k8sOpen(args: ResourceValidationArgs, ports: { admin: number; raft: number }): string[] {
  const spec = (known(() => args.props.spec) ?? {}) as Record<string, unknown>;
  const found = new Set<string>();
  if (args.type === CLOUD_TYPES.networkPolicy) {
    for (const rule of (known(() => spec.ingress) ?? []) as Array<Record<string, unknown>>) {
      const from = (known(() => rule.from) ?? []) as Array<{ ipBlock?: { cidr?: unknown } }>;
      if (!from.some((f) => isOpenToWorld(known(() => f.ipBlock?.cidr)))) continue;
      const rulePorts = (known(() => rule.ports) ?? []) as Array<{ port?: unknown }>;
      // No ports: the rule allows every port.
      const hit =
        rulePorts.length === 0
          ? ["admin", "raft"]
          : rulePorts.flatMap((p) =>
              k8sGuarded(
                known(() => p.port),
                ports,
              ),
            );
      hit.forEach((h) => found.add(h));
    }
  }
  if (args.type === CLOUD_TYPES.service) {
    const type = known(() => spec.type);
    if (type !== "LoadBalancer" && type !== "NodePort") return [];
    const ranges = (known(() => spec.loadBalancerSourceRanges) ?? []) as unknown[];
    if (type === "LoadBalancer" && ranges.length > 0 && !ranges.some(isOpenToWorld)) return [];
    for (const p of (known(() => spec.ports) ?? []) as Array<Record<string, unknown>>) {
      [
        ...k8sGuarded(
          known(() => p.port),
          ports,
        ),
        ...k8sGuarded(
          known(() => p.name),
          ports,
        ),
      ].forEach((h) => found.add(h));
    }
  }
  return [...found];
}

/**
 * Mandatory: nothing opens the admin API (which can drain brokers and make them leave) or Raft
 * (the brokers' consensus) to the whole internet: aws security groups and their rules,
 * kubernetes NetworkPolicies, and LoadBalancer or NodePort Services.
 */
export const noOpenAdminOrRaft: ResourceValidationPolicy = {
  name: "no-open-admin-or-raft",
  description:
    "No security group, NetworkPolicy or Service opens the admin or Raft port to 0.0.0.0/0 or ::/0.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      adminPort: { type: "integer", default: PORTS_DEFAULTS.adminPort },
      raftPort: { type: "integer", default: PORTS_DEFAULTS.raftPort },
    },
  },
  validateResource: (args, report) => {
    const c = { ...PORTS_DEFAULTS, ...args.getConfig<Partial<PortsConfig>>() };
    const ports = { admin: c.adminPort, raft: c.raftPort };
    for (const rule of awsIngress(args)) {
      const open = rule.cidrs.filter(isOpenToWorld);
      const guarded = guardedPortsIn(rule, ports);
      if (open.length === 0 || guarded.length === 0) continue;
      report(
        `${args.name}: an ingress rule opens the ${guarded.map((g) => `${g} port ${ports[g]}`).join(" and ")} ` +
          `to ${open.join(", ")}. ${FIX}`,
      );
    }
    const k8s = k8sOpen(args, ports);
    if (k8s.length > 0) {
      report(`${args.name}: opens the ${k8s.join(" and ")} port to the whole internet. ${FIX}`);
    }
  },
};
