import * as pulumi from "@pulumi/pulumi";

/** One resource the program declared, as the engine would have seen it. */
export interface Recorded {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

/** Fake outputs the engine would fill in, by type, so dependent inputs resolve. */
function fakeOutputs(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
  switch (type) {
    case "aws:ec2/instance:Instance": {
      const id = /broker-(\d+)$/.exec(name)?.[1] ?? "0";
      return { privateIp: `10.0.${id}.10` };
    }
    case "aws:s3/bucket:Bucket":
      return {
        bucket: `${String(inputs.bucketPrefix)}0001`,
        arn: `arn:aws:s3:::${String(inputs.bucketPrefix)}0001`,
      };
    case "aws:kms/key:Key":
      return { arn: `arn:aws:kms:us-east-1:123456789012:key/${name}` };
    case "aws:amp/workspace:Workspace":
      return {
        arn: `arn:aws:aps:us-east-1:123456789012:workspace/ws-${name}`,
        prometheusEndpoint: `https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-${name}/`,
      };
    case "aws:amp/ruleGroupNamespace:RuleGroupNamespace":
      return { arn: `arn:aws:aps:us-east-1:123456789012:rulegroupsnamespace/${name}` };
    case "pulumi-nodejs:dynamic/streambus:LocalBroker":
      return { adminUrl: `http://127.0.0.1:${18000 + Number(inputs.brokerId)}` };
    case "pulumi-nodejs:dynamic/streambus:CertificateAuthority":
    case "pulumi-nodejs:dynamic/streambus:BrokerCertificate":
      // Stand-ins the assertions can find (the real ones are made by providers/certificates.ts).
      return { certificate: `CERTIFICATE(${name})`, privateKey: `PRIVATE-KEY(${name})` };
    case "pulumi-nodejs:dynamic/streambus:LocalFile":
      return { absolutePath: `/abs/${String(inputs.path)}` };
    default:
      return {};
  }
}

/**
 * Installs Pulumi's mocks with a recording `newResource`: every declared resource's type, name
 * and inputs land in `recorded`. Call, and await `ready`, before `await import()` of the code
 * under test.
 */
export function installRecordingMocks(stack = "test"): { recorded: Recorded[]; ready: Promise<void> } {
  const recorded: Recorded[] = [];
  const ready = pulumi.runtime.setMocks(
    {
      newResource(args) {
        const inputs = args.inputs as Record<string, unknown>;
        recorded.push({ type: args.type, name: args.name, inputs });
        const state = { name: args.name, ...inputs, ...fakeOutputs(args.type, args.name, inputs) };
        return { id: `${args.name}-id`, state };
      },
      call(args) {
        // An existing AMP workspace, looked up by id, as AWS would describe it.
        if (args.token === "aws:amp/getWorkspace:getWorkspace") {
          const id = String(args.inputs.workspaceId);
          return {
            ...args.inputs,
            arn: `arn:aws:aps:us-east-1:123456789012:workspace/${id}`,
            prometheusEndpoint: `https://aps-workspaces.us-east-1.amazonaws.com/workspaces/${id}/`,
          };
        }
        return args.inputs;
      },
    },
    "streambus",
    stack,
    false,
  );
  return { recorded, ready: Promise.resolve(ready) };
}

/** Waits until no resource has been declared for a while: the program's registrations are done. */
export async function settle(recorded: readonly Recorded[]): Promise<void> {
  let last = -1;
  let quiet = 0;
  while (quiet < 5) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    quiet = recorded.length === last ? quiet + 1 : 0;
    last = recorded.length;
  }
}

/** The text of a `StringAsset` input (mocks hand assets over with their text as a promise). */
export async function assetText(value: unknown): Promise<string> {
  return String(await (value as { text: Promise<string> | string }).text);
}

const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** Whether an input reached the engine as a secret. */
export function isSecret(value: unknown): boolean {
  return typeof value === "object" && value !== null && SECRET_SIG in value;
}

/** The value inside a secret input (or the input itself when it is not one). */
export function unsecret(value: unknown): unknown {
  return isSecret(value) ? (value as { value: unknown }).value : value;
}

/** The value of an Output, for assertions. */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((v) => resolve(v)));
}

/** The one recorded resource of `type` named `name`; throws when absent, naming what there is. */
export function find(recorded: readonly Recorded[], type: string, name: string): Recorded {
  const found = recorded.find((r) => r.type === type && r.name === name);
  if (found === undefined) {
    const names = recorded.filter((r) => r.type === type).map((r) => r.name);
    throw new Error(`no ${type} named ${name}; there are: ${names.join(", ") || "none"}`);
  }
  return found;
}

/** The recorded resources of `type`. */
export function ofType(recorded: readonly Recorded[], type: string): Recorded[] {
  return recorded.filter((r) => r.type === type);
}

/** The resource options a child was declared with, by names (what ordering and replacement hinge on). */
export interface RecordedOptions {
  type: string;
  /** Names of the resources it depends on explicitly. */
  dependsOn: string[];
  deleteBeforeReplace: boolean;
  /** Its parent's name. */
  parent?: string;
}

const nameOf = (resource: unknown): string => String((resource as { __name?: string }).__name);

/**
 * A transformation for a component's `transformations` option that records every child's
 * resource options by name (mocks see inputs only): `dependsOn`, `deleteBeforeReplace`, `parent`.
 */
export function recordOptions(): {
  options: Map<string, RecordedOptions>;
  transformation: pulumi.ResourceTransformation;
} {
  const options = new Map<string, RecordedOptions>();
  const transformation: pulumi.ResourceTransformation = (args) => {
    const dependsOn = args.opts.dependsOn;
    const list = Array.isArray(dependsOn) ? dependsOn : dependsOn ? [dependsOn] : [];
    options.set(args.name, {
      type: args.type,
      dependsOn: list.map(nameOf),
      deleteBeforeReplace: Boolean((args.opts as pulumi.CustomResourceOptions).deleteBeforeReplace),
      parent: args.opts.parent ? nameOf(args.opts.parent) : undefined,
    });
    return undefined;
  };
  return { options, transformation };
}

/**
 * Declares a whole `StreamBusCluster` named `name` from a raw stack config, recording its
 * children's options; resolves once the declarations settle. Call after the mocks are `ready`
 * (the code under test is imported here, after them).
 */
export async function declareCluster(
  recorded: readonly Recorded[],
  name: string,
  raw: Record<string, unknown>,
): Promise<{ options: Map<string, RecordedOptions>; mine: Recorded[] }> {
  const cluster = await import("../../components/cluster.js");
  const { parseStackConfig } = await import("../../stacks/index.js");
  const config = parseStackConfig(raw);
  const { options, transformation } = recordOptions();
  const made = new cluster.StreamBusCluster(
    name,
    { config, provision: await cluster.loadPlatform(config.platform) },
    { transformations: [transformation] },
  );
  await valueOf(made.urn);
  await settle(recorded);
  return { options, mine: recorded.filter((r) => r.name.startsWith(`${name}-`)) };
}
