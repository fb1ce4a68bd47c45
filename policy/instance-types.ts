import type { ResourceValidationPolicy } from "@pulumi/policy";
import { CLOUD_TYPES, known, stackOf } from "./support";

/** `broker-instance-types`'s config. */
export interface InstanceTypesConfig {
  /** EC2 instance families (the part before the dot) that suit a broker. */
  allowedFamilies: string[];
}

/**
 * General-purpose, memory- and storage-optimised families with steady CPU and EBS bandwidth;
 * burstable ones (t2, t3, t4g) run out of CPU credits under a rebalance.
 */
const DEFAULTS: InstanceTypesConfig = {
  allowedFamilies: [
    "m5",
    "m6i",
    "m6a",
    "m6g",
    "m7i",
    "m7a",
    "m7g",
    "r5",
    "r6i",
    "r6g",
    "r7i",
    "r7g",
    "i4i",
    "i4g",
  ],
};

/** Advisory: the brokers' EC2 instances are of a family that suits a broker (never burstable). */
export const brokerInstanceTypes: ResourceValidationPolicy = {
  name: "broker-instance-types",
  description: "Broker instances use an instance family suited to brokers (not burstable t*).",
  enforcementLevel: "advisory",
  configSchema: {
    properties: {
      allowedFamilies: { type: "array", items: { type: "string" }, default: DEFAULTS.allowedFamilies },
    },
  },
  validateResource: (args, report) => {
    if (args.type !== CLOUD_TYPES.instance) return;
    const c = { ...DEFAULTS, ...args.getConfig<Partial<InstanceTypesConfig>>() };
    const type = known(() => args.props.instanceType);
    if (typeof type !== "string") return;
    const family = type.split(".")[0] ?? type;
    if (c.allowedFamilies.includes(family)) return;
    report(
      `${args.name}: instance type ${type} (family ${family}) is not one of ${c.allowedFamilies.join(", ")}. ` +
        `Fix: set streambus:aws.instanceType (e.g. m6i.large) in Pulumi.${stackOf(args.urn)}.yaml.`,
    );
  },
};
