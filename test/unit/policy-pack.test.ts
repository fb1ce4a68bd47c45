import { beforeAll, describe, expect, it } from "vitest";
import { isProdStack, policies } from "../../policy/policies";
import {
  runPack,
  shippedConfig,
  toEngineResources,
  type EngineResource,
  type Violation,
} from "./policy-harness";
import { declareCluster, installRecordingMocks, type Recorded } from "./recording-mocks";

/**
 * The policy pack on what the components declare for the aws and kubernetes platforms (and the
 * local one, whose real-engine run is test/e2e/policy.test.ts): each cluster is declared under
 * Pulumi's mocks, and its resources go through @pulumi/policy's own analyzer handlers
 * (test/unit/policy-harness.ts), because the engine cannot load the aws and kubernetes plugins
 * offline. A bad stack is a shipped config made bad, or the declared resources changed the way a
 * hand-written resource would differ (the components themselves never open a port or leave a
 * bucket public, and the config schema refuses 0.0.0.0/0 for operators).
 */
const { recorded, ready } = installRecordingMocks("policy");
beforeAll(() => ready);

const SECRETS = { adminToken: "t0ken", sshPrivateKey: "-----BEGIN KEY-----" };

async function declared(name: string, raw: Record<string, unknown>): Promise<Recorded[]> {
  return (await declareCluster(recorded, name, { ...SECRETS, ...raw })).mine;
}

const mandatory = (vs: Violation[]) => vs.filter((v) => v.level === "mandatory");
const named = (resources: EngineResource[], name: string): EngineResource => {
  const r = resources.find((x) => x.name === name);
  if (r === undefined) throw new Error(`no resource ${name}: ${resources.map((x) => x.name).join(", ")}`);
  return r;
};

describe("the shipped stacks pass every mandatory policy", () => {
  for (const stack of ["prod", "staging", "local"]) {
    it(`Pulumi.${stack}.yaml, as stack "${stack}"`, async () => {
      const mine = await declared(`ship${stack}`, shippedConfig(stack));
      const resources = toEngineResources(mine, stack);
      // The policies saw the resources they judge (a pack that matched no type would pass too).
      const types = new Set(resources.map((r) => r.type));
      expect(types).toContain("pulumi-nodejs:dynamic/streambus:ClusterMembership");
      expect(types).toContain("pulumi-nodejs:dynamic/streambus:Topic");
      if (stack !== "local") {
        expect(types).toContain("aws:s3/bucket:Bucket");
        expect(types).toContain("aws:ebs/volume:Volume");
        expect(types).toContain("aws:ec2/securityGroup:SecurityGroup");
      }
      const violations = await runPack(policies, resources);
      expect(mandatory(violations)).toEqual([]);
      expect(violations).toEqual([]); // nor any advisory one: m6i instances, a 50MB/s throttle
    });
  }
});

describe("prod-cluster-size (mandatory)", () => {
  const small = () => ({
    ...shippedConfig("prod"),
    brokers: 2,
    testCluster: true,
    topics: [{ name: "events", partitions: 12, replicationFactor: 1 }],
  });

  it("fails a prod stack with 2 brokers and a topic replicated once, naming the resources and the fix", async () => {
    const raw = small();
    const mine = await declared("smallprod", raw);
    const violations = mandatory(await runPack(policies, toEngineResources(mine, "prod")));
    expect(violations.map((v) => v.policy)).toEqual(["prod-cluster-size", "prod-cluster-size"]);
    expect(violations[0]?.urn).toMatch(/ClusterMembership::smallprod-membership$/);
    expect(violations[0]?.message).toContain("declares 2 broker(s) [1, 2]");
    expect(violations[0]?.message).toContain("Fix: set streambus:brokers to 3 or more in Pulumi.prod.yaml");
    expect(violations[1]?.urn).toMatch(/Topic::smallprod-topic-events$/);
    expect(violations[1]?.message).toContain(
      'Fix: set replicationFactor: 2 (or more) on topic "events" under streambus:topics in Pulumi.prod.yaml',
    );
  });

  it("judges only production stacks: the same resources pass as staging", async () => {
    const mine = await declared("smallstaging", small());
    expect(mandatory(await runPack(policies, toEngineResources(mine, "staging")))).toEqual([]);
  });

  it("kubernetes: judged once (its drain and join gates declare the same members)", async () => {
    const raw = {
      platform: "kubernetes",
      brokers: 2,
      testCluster: true,
      kubernetes: { namespace: "streambus", image: "ghcr.io/streambus/broker:1.4.2" },
    };
    const mine = await declared("kubesmall", raw);
    const violations = mandatory(await runPack(policies, toEngineResources(mine, "prod-eu")));
    expect(violations.map((v) => [v.policy, v.urn.replace(/.*::/, "")])).toEqual([
      ["prod-cluster-size", "kubesmall-membership-drain"],
    ]);
  });
});

describe("backup-buckets-protected (mandatory)", () => {
  let good: EngineResource[];
  beforeAll(async () => {
    good = toEngineResources(await declared("bk", shippedConfig("prod")), "prod");
  });
  const without = (names: string[]) => good.filter((r) => !names.includes(r.name));
  const judge = async (resources: EngineResource[]) =>
    mandatory(await runPack(policies, resources)).filter((v) => v.policy === "backup-buckets-protected");

  it("the component's buckets are linked to their settings through the property dependencies", () => {
    expect(named(good, "bk-backup-versioning").propertyDependencies.bucket).toEqual([
      named(good, "bk-backup").urn,
    ]);
  });

  it("during a preview, with every bucket id unknown, links the settings through the dependencies alone", async () => {
    // The engine's marker for a value not known until the update (the buckets do not exist yet).
    const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    const previewing = good.map((r) =>
      "bucket" in r.props ? { ...r, props: { ...r.props, bucket: UNKNOWN } } : r,
    );
    const violations = await runPack(policies, previewing);
    expect(violations.filter((v) => v.policy === "backup-buckets-protected")).toEqual([]);
    // And a missing setting is still found, not skipped as "unknown during preview".
    const missing = await judge(previewing.filter((r) => r.name !== "bk-archive-public-access"));
    expect(missing.map((v) => v.message)).toEqual([
      expect.stringContaining("bk-archive: backup bucket may be made public"),
    ]);
  });

  it("fails a bucket without versioning, naming the bucket and the fix", async () => {
    const violations = await judge(without(["bk-backup-versioning"]));
    expect(violations).toHaveLength(1);
    expect(violations[0]?.urn).toBe(named(good, "bk-backup").urn);
    expect(violations[0]?.message).toContain("bk-backup: backup bucket is not versioned");
    expect(violations[0]?.message).toContain("add an aws.s3.BucketVersioning with status Enabled");
  });

  it("fails a bucket without encryption, with versioning suspended, or open to the public", async () => {
    const resources = without(["bk-archive-encryption", "bk-archive-public-access"]).map((r) =>
      r.name === "bk-archive-versioning"
        ? { ...r, props: { ...r.props, versioningConfiguration: { status: "Suspended" } } }
        : r,
    );
    const violations = await judge(resources);
    expect(violations).toHaveLength(1);
    expect(violations[0]?.urn).toBe(named(good, "bk-archive").urn);
    expect(violations[0]?.message).toContain("not versioned");
    expect(violations[0]?.message).toContain(
      "not encrypted (add an aws.s3.BucketServerSideEncryptionConfiguration",
    );
    expect(violations[0]?.message).toContain("may be made public (add an aws.s3.BucketPublicAccessBlock");
  });

  it("fails a public ACL even with the public access block", async () => {
    const resources = good.map((r) =>
      r.name === "bk-backup" ? { ...r, props: { ...r.props, acl: "public-read" } } : r,
    );
    const violations = await judge(resources);
    expect(violations.map((v) => v.message)).toEqual([
      expect.stringContaining('has the public ACL "public-read"'),
    ]);
  });
});

describe("no-open-admin-or-raft (mandatory)", () => {
  let good: EngineResource[];
  beforeAll(async () => {
    // Clients from anywhere is allowed: only the admin and Raft ports are guarded.
    const raw = shippedConfig("prod") as { aws: Record<string, unknown> };
    good = toEngineResources(
      await declared("net", { ...raw, aws: { ...raw.aws, clientCidrs: ["0.0.0.0/0"] } }),
      "prod",
    );
  });
  const judge = async (resources: EngineResource[]) =>
    mandatory(await runPack(policies, resources)).filter((v) => v.policy === "no-open-admin-or-raft");
  const withIngress = (extra: Record<string, unknown>) =>
    good.map((r) =>
      r.name === "net-brokers"
        ? { ...r, props: { ...r.props, ingress: [...(r.props.ingress as unknown[]), extra] } }
        : r,
    );

  it("passes the component's security group, with clients open to 0.0.0.0/0", async () => {
    expect(await judge(good)).toEqual([]);
  });

  it("fails a security group that opens the admin API to 0.0.0.0/0, naming the group and the fix", async () => {
    const violations = await judge(
      withIngress({ protocol: "tcp", fromPort: 8080, toPort: 8080, cidrBlocks: ["0.0.0.0/0"] }),
    );
    expect(violations).toHaveLength(1);
    expect(violations[0]?.urn).toMatch(/SecurityGroup::net-brokers$/);
    expect(violations[0]?.message).toContain(
      "net-brokers: an ingress rule opens the admin port 8080 to 0.0.0.0/0",
    );
    expect(violations[0]?.message).toContain("Fix: open the admin API only to streambus:aws.operatorCidrs");
  });

  it("fails every port to ::/0 (protocol -1), which includes Raft", async () => {
    const violations = await judge(
      withIngress({ protocol: "-1", fromPort: 0, toPort: 0, ipv6CidrBlocks: ["::/0"] }),
    );
    expect(violations[0]?.message).toContain("opens the admin port 8080 and raft port 9093 to ::/0");
  });

  it("fails a separate security group rule and a VPC ingress rule on the Raft port", async () => {
    const violations = await judge([
      ...good,
      {
        ...named(good, "net-brokers"),
        type: "aws:ec2/securityGroupRule:SecurityGroupRule",
        name: "raft-open",
        urn: "urn:pulumi:prod::streambus::aws:ec2/securityGroupRule:SecurityGroupRule::raft-open",
        props: { type: "ingress", protocol: "tcp", fromPort: 9000, toPort: 9100, cidrBlocks: ["0.0.0.0/0"] },
      },
      {
        ...named(good, "net-brokers"),
        type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        name: "raft-open-v2",
        urn: "urn:pulumi:prod::streambus::aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule::raft-open-v2",
        props: { ipProtocol: "tcp", fromPort: 9093, toPort: 9093, cidrIpv4: "0.0.0.0/0" },
      },
    ]);
    expect(violations.map((v) => v.urn.replace(/.*::/, ""))).toEqual(["raft-open", "raft-open-v2"]);
  });

  it("kubernetes: fails a NetworkPolicy that lets 0.0.0.0/0 reach the admin port, and a public LoadBalancer", async () => {
    const raw = {
      platform: "kubernetes",
      brokers: 3,
      kubernetes: {
        namespace: "streambus",
        image: "ghcr.io/streambus/broker:1.4.2",
        adminAccess: { namespaces: ["monitoring"], cidrs: ["10.20.0.0/24"] },
      },
    };
    const kube = toEngineResources(await declared("kube", raw), "prod");
    expect(await judge(kube)).toEqual([]);
    const open = kube.map((r) => {
      if (r.name === "kube-admin") {
        const spec = r.props.spec as { ingress: unknown[] };
        return {
          ...r,
          props: {
            ...r.props,
            spec: {
              ...spec,
              ingress: [
                ...spec.ingress,
                { from: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ port: "admin" }] },
              ],
            },
          },
        };
      }
      if (r.name === "kube-client") {
        const spec = r.props.spec as Record<string, unknown>;
        return {
          ...r,
          props: {
            ...r.props,
            spec: { ...spec, type: "LoadBalancer", ports: [{ name: "raft", port: 9093 }] },
          },
        };
      }
      return r;
    });
    const violations = await judge(open);
    expect(violations.map((v) => [v.urn.replace(/.*::/, ""), v.message.split(".")[0]])).toEqual([
      ["kube-client", "kube-client: opens the raft port to the whole internet"],
      ["kube-admin", "kube-admin: opens the admin port to the whole internet"],
    ]);
  });
});

describe("data-volumes-encrypted (mandatory)", () => {
  it("fails an unencrypted data volume and root volume, naming each and the fix", async () => {
    const good = toEngineResources(await declared("vol", shippedConfig("staging")), "staging");
    const bad = good.map((r) => {
      if (r.name === "vol-broker-2-data") return { ...r, props: { ...r.props, encrypted: false } };
      if (r.name === "vol-broker-3") {
        const root = r.props.rootBlockDevice as Record<string, unknown>;
        return { ...r, props: { ...r.props, rootBlockDevice: { ...root, encrypted: false } } };
      }
      return r;
    });
    const violations = mandatory(await runPack(policies, bad));
    expect(violations.map((v) => [v.policy, v.message]).sort()).toEqual([
      [
        "data-volumes-encrypted",
        "vol-broker-2-data: EBS volume is not encrypted. Fix: set encrypted: true (components/aws/broker.ts does).",
      ],
      [
        "data-volumes-encrypted",
        "vol-broker-3: root volume is not encrypted. Fix: set rootBlockDevice.encrypted: true.",
      ],
    ]);
  });

  it("kubernetes: fails an EBS StorageClass that does not encrypt", async () => {
    const sc = (encrypted: string): EngineResource => ({
      type: "kubernetes:storage.k8s.io/v1:StorageClass",
      name: "gp3",
      urn: "urn:pulumi:prod::streambus::kubernetes:storage.k8s.io/v1:StorageClass::gp3",
      props: { provisioner: "ebs.csi.aws.com", parameters: { type: "gp3", encrypted } },
      propertyDependencies: {},
    });
    expect(mandatory(await runPack(policies, [sc("true")]))).toEqual([]);
    expect((await runPack(policies, [sc("false")])).map((v) => v.message)).toEqual([
      'gp3: StorageClass on ebs.csi.aws.com makes unencrypted volumes. Fix: set parameters.encrypted: "true".',
    ]);
  });
});

describe("retention-within-bounds (mandatory)", () => {
  it("fails the cluster's retention and a topic's out of bounds, naming the keys to change", async () => {
    const prod = shippedConfig("prod") as { topics: Array<Record<string, unknown>> };
    const raw = {
      ...prod,
      retention: { maxBytes: "20TB", maxAge: "7d" },
      topics: [...prod.topics, { name: "scratch", partitions: 3, retention: { maxAge: "10m" } }],
    };
    const mine = await declared("ret", raw);
    const violations = mandatory(await runPack(policies, toEngineResources(mine, "prod")));
    expect(violations.map((v) => [v.policy, v.urn.replace(/.*::/, "")])).toEqual([
      ["retention-within-bounds", "ret-cluster-config"],
      ["retention-within-bounds", "ret-topic-scratch"],
    ]);
    expect(violations[0]?.message).toBe(
      "ret-cluster-config: maxBytes 20TB is outside 1GB..10TB. Fix: set streambus:retention in Pulumi.prod.yaml " +
        "within those bounds (or change the bounds in the policy pack's config).",
    );
    expect(violations[1]?.message).toContain(
      'maxAge 10m is outside 1h..365d. Fix: set retention of topic "scratch"',
    );
  });
});

describe("advisory policies", () => {
  it("broker-instance-types warns about burstable instances; the update is not blocked", async () => {
    const staging = shippedConfig("staging") as { aws: Record<string, unknown> };
    const mine = await declared("burst", { ...staging, aws: { ...staging.aws, instanceType: "t3.large" } });
    const violations = await runPack(policies, toEngineResources(mine, "staging"));
    expect(mandatory(violations)).toEqual([]);
    expect(violations.map((v) => [v.policy, v.level])).toEqual([
      ["broker-instance-types", "advisory"],
      ["broker-instance-types", "advisory"],
      ["broker-instance-types", "advisory"],
    ]);
    expect(violations[0]?.message).toContain("instance type t3.large (family t3)");
    expect(violations[0]?.message).toContain("Fix: set streambus:aws.instanceType");
  });

  it("rebalance-throttle-set warns about a throttle above 200MB/s, or none", async () => {
    const mine = await declared("fast", { ...shippedConfig("local"), rebalance: { throttle: "1GB/s" } });
    const resources = toEngineResources(mine, "local");
    const violations = await runPack(policies, resources);
    expect(violations.map((v) => [v.policy, v.level, v.message])).toEqual([
      [
        "rebalance-throttle-set",
        "advisory",
        "fast-membership: rebalance throttle 1GB/s is above 200MB/s. Fix: lower streambus:rebalance.throttle in Pulumi.local.yaml.",
      ],
    ]);
    const unset = resources.map((r) => {
      if (!r.type.endsWith(":ClusterMembership")) return r;
      const { throttleBytesPerS: _dropped, ...props } = r.props;
      return { ...r, props };
    });
    expect((await runPack(policies, unset)).map((v) => v.message)).toEqual([
      expect.stringContaining("fast-membership: no rebalance throttle"),
    ]);
  });
});

describe("which stacks are production stacks", () => {
  it("a prod or production word in the name, whatever the case; not a word that only contains it", () => {
    for (const name of [
      "prod",
      "Prod",
      "prod-eu",
      "eu_prod",
      "acme/streambus/prod",
      "production",
      "e2e-policy-prod-12-x",
    ]) {
      expect(isProdStack(name), name).toBe(true);
    }
    for (const name of ["staging", "local", "preprod", "product", "prodigy", "e2e-staging-1"]) {
      expect(isProdStack(name), name).toBe(false);
    }
  });
});
