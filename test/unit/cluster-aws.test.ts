import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  assetText,
  declareCluster,
  find,
  installRecordingMocks,
  isSecret,
  ofType,
  settle,
  unsecret,
  valueOf,
  type Recorded,
} from "./recording-mocks";

const { recorded, ready } = installRecordingMocks("prod");
let program: typeof import("../../stacks/index.js").program;
let parseStackConfig: typeof import("../../stacks/config.js").parseStackConfig;
let cluster: typeof import("../../components/cluster.js");
let outputs: Record<string, unknown>;

/** Pulumi.prod.yaml's config as the engine hands it to the program, plus the two secrets. */
function prodConfig(): Record<string, string> {
  const doc = parse(readFileSync(join(__dirname, "../../Pulumi.prod.yaml"), "utf8")) as {
    config: Record<string, unknown>;
  };
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries(doc.config)) {
    config[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return {
    ...config,
    "streambus:adminToken": "t0ken-s3cret",
    "streambus:sshPrivateKey": "-----BEGIN KEY-----",
  };
}

beforeAll(async () => {
  await ready;
  ({ program, parseStackConfig } = await import("../../stacks/index.js"));
  cluster = await import("../../components/cluster.js");
  pulumi.runtime.setAllConfig(prodConfig(), ["streambus:adminToken", "streambus:sshPrivateKey"]);
  outputs = await program();
  await settle(recorded);
});

const prod = () => recorded.filter((r) => r.name.startsWith("streambus"));
const ingress = (sg: Recorded) =>
  sg.inputs.ingress as Array<{ fromPort: number; toPort: number; cidrBlocks?: string[]; self?: boolean }>;

describe("the aws platform (Pulumi.prod.yaml)", () => {
  it("puts five brokers in their own subnets, spread over three zones", () => {
    const instances = ofType(prod(), "aws:ec2/instance:Instance");
    expect(instances.map((i) => i.name)).toEqual([1, 2, 3, 4, 5].map((id) => `streambus-broker-${id}`));
    expect(instances.map((i) => i.inputs.availabilityZone)).toEqual([
      "us-east-1a",
      "us-east-1b",
      "us-east-1c",
      "us-east-1a",
      "us-east-1b",
    ]);
    expect(instances.map((i) => i.inputs.subnetId)).toEqual(
      ["1", "2", "3", "1", "2"].map((n) => `subnet-0a1b2c3d4e5f6000${n}`),
    );
    for (const instance of instances) {
      expect(instance.inputs.ami).toBe("ami-0f1e2d3c4b5a69788");
      expect(instance.inputs.instanceType).toBe("m6i.2xlarge");
      expect(instance.inputs.associatePublicIpAddress).toBe(false);
      expect(instance.inputs.iamInstanceProfile).toBe("streambus-broker-profile");
      expect(instance.inputs.vpcSecurityGroupIds).toEqual(["streambus-brokers-id"]);
    }
  });

  it("requires IMDSv2 and encrypts the root volume", () => {
    for (const instance of ofType(prod(), "aws:ec2/instance:Instance")) {
      expect(instance.inputs.metadataOptions).toMatchObject({
        httpTokens: "required",
        httpPutResponseHopLimit: 1,
      });
      expect(instance.inputs.rootBlockDevice).toMatchObject({
        encrypted: true,
        volumeType: "gp3",
        volumeSize: 30,
      });
    }
  });

  it("keeps data on a separate encrypted gp3 volume in the broker's zone, attached, not inside the instance", () => {
    for (const [id, zone] of [
      [1, "us-east-1a"],
      [5, "us-east-1b"],
    ] as const) {
      const volume = find(prod(), "aws:ebs/volume:Volume", `streambus-broker-${id}-data`);
      expect(volume.inputs).toMatchObject({
        availabilityZone: zone,
        encrypted: true,
        type: "gp3",
        size: 1024,
        iops: 6000,
        throughput: 250,
        finalSnapshot: true,
      });
      const attachment = find(
        prod(),
        "aws:ec2/volumeAttachment:VolumeAttachment",
        `streambus-broker-${id}-data-attachment`,
      );
      expect(attachment.inputs).toMatchObject({
        instanceId: `streambus-broker-${id}-id`,
        volumeId: `streambus-broker-${id}-data-id`,
        stopInstanceBeforeDetaching: true,
      });
    }
  });

  it("opens the client port to clients, admin and ssh to operators only, Raft between brokers only", () => {
    const sg = find(prod(), "aws:ec2/securityGroup:SecurityGroup", "streambus-brokers");
    expect(sg.inputs.vpcId).toBe("vpc-0a1b2c3d4e5f60718");
    const rules = ingress(sg);
    const on = (port: number) => rules.filter((r) => r.fromPort <= port && port <= r.toPort);
    expect(on(9092).flatMap((r) => r.cidrBlocks ?? ["self"])).toEqual(["10.0.0.0/8", "self"]);
    expect(on(8080).flatMap((r) => r.cidrBlocks ?? ["self"])).toEqual(["10.20.0.0/24", "self"]);
    expect(on(22).flatMap((r) => r.cidrBlocks ?? ["self"])).toEqual(["10.20.0.0/24"]);
    expect(on(9093)).toEqual([expect.objectContaining({ self: true })]);
    expect(on(9093)[0]?.cidrBlocks).toBeUndefined();
    for (const port of [8080, 9093, 22]) {
      expect(on(port).flatMap((r) => r.cidrBlocks ?? [])).not.toContain("0.0.0.0/0");
    }
  });

  it("gives the brokers a role that can write only to the backup bucket", async () => {
    const role = find(prod(), "aws:iam/role:Role", "streambus-broker-role");
    expect(JSON.parse(String(role.inputs.assumeRolePolicy)).Statement[0].Principal).toEqual({
      Service: ["ec2.amazonaws.com"],
    });
    const policy = JSON.parse(
      String(find(prod(), "aws:iam/rolePolicy:RolePolicy", "streambus-broker-backup-writer").inputs.policy),
    );
    const statements = policy.Statement as Array<{ Action: string[]; Resource: string[]; Effect: string }>;
    const actions = statements.flatMap((s) => s.Action);
    expect(actions).toContain("s3:PutObject");
    expect(actions.filter((a) => /Delete|Get|\*/.test(a))).toEqual([]);
    const backupArn = "arn:aws:s3:::streambus-prod-backup-0001";
    for (const s of statements.filter((s) => s.Action.some((a) => a.startsWith("s3:")))) {
      expect(s.Resource.every((r) => r === backupArn || r === `${backupArn}/*`)).toBe(true);
    }
    expect(find(prod(), "aws:iam/rolePolicy:RolePolicy", "streambus-broker-backup-writer").inputs.role).toBe(
      "streambus-broker-role-id",
    );
    expect(
      find(prod(), "aws:iam/instanceProfile:InstanceProfile", "streambus-broker-profile").inputs.role,
    ).toBe("streambus-broker-role");
  });

  it("pushes the rendered config with CopyToRemote, validates it, then starts the service", async () => {
    const copy = find(prod(), "command:remote:CopyToRemote", "streambus-broker-3-config");
    expect(copy.inputs.remotePath).toBe("/tmp/streambus-broker.yaml");
    const text = await assetText(copy.inputs.source);
    expect(parse(text)).toMatchObject({
      broker: { id: 3, rack: "us-east-1c" },
      storage: { data_dir: "/var/lib/streambus/data" },
    });
    // Retention and compaction are the ClusterConfig resource's, set live: not in the file.
    expect(text).not.toMatch(/retention|compaction|flush|compression/);
    const start = find(prod(), "command:remote:Command", "streambus-broker-3-start");
    const script = String(start.inputs.create);
    expect(script.indexOf("streambus-broker --validate-config")).toBeGreaterThan(-1);
    expect(script.indexOf("streambus-broker --validate-config")).toBeLessThan(
      script.indexOf("systemctl restart"),
    );
    // The same triggers as the push, and the broker's certificate: a new one restarts it too.
    expect(start.inputs.triggers).toEqual([
      ...(copy.inputs.triggers as unknown[]),
      "CERTIFICATE(streambus-broker-3-tls)",
    ]);
    // The connection carries the ssh key, so the whole of it is a secret.
    expect(isSecret(start.inputs.connection)).toBe(true);
    expect(unsecret(start.inputs.connection)).toMatchObject({
      host: "10.0.3.10",
      user: "ec2-user",
      proxy: { host: "bastion.prod.internal" },
    });
  });

  it("sends the admin token on stdin, never on a command line or in the config", () => {
    const token = find(prod(), "command:remote:Command", "streambus-broker-1-admin-token");
    expect(isSecret(token.inputs.stdin)).toBe(true);
    expect(unsecret(token.inputs.stdin)).toBe("t0ken-s3cret");
    expect(String(token.inputs.create)).toContain("umask 027; cat > /etc/streambus/admin-token");
    const others = prod().filter((r) => !r.name.endsWith("-admin-token") && r.type.startsWith("command:"));
    expect(others.length).toBeGreaterThan(10);
    for (const r of others) expect(JSON.stringify(r.inputs)).not.toContain("t0ken-s3cret");
  });

  it("serves the admin API over TLS by default: the stack's CA signs a certificate per broker, pushed with its key (a secret) on stdin", async () => {
    const ca = find(prod(), "pulumi-nodejs:dynamic/streambus:CertificateAuthority", "streambus-tls-ca");
    expect(ca.inputs).toMatchObject({ kind: "ca", commonName: "streambus StreamBus admin CA" });
    const certs = ofType(prod(), "pulumi-nodejs:dynamic/streambus:BrokerCertificate");
    expect(certs.map((c) => c.name)).toEqual([1, 2, 3, 4, 5].map((id) => `streambus-broker-${id}-tls`));
    const cert = find(prod(), "pulumi-nodejs:dynamic/streambus:BrokerCertificate", "streambus-broker-2-tls");
    expect(cert.inputs).toMatchObject({
      kind: "broker",
      brokerId: 2,
      caCertificate: "CERTIFICATE(streambus-tls-ca)",
      // The broker's private IP (what membership and operators reach), and loopback for its own ready check.
      ipAddresses: ["10.0.2.10", "127.0.0.1"],
      validityDays: 825,
    });
    // The CA's key reaches the certificate as a secret input.
    expect(isSecret(cert.inputs.caKey)).toBe(true);
    expect(unsecret(cert.inputs.caKey)).toBe("PRIVATE-KEY(streambus-tls-ca)");

    const file = (suffix: string) =>
      find(prod(), "command:remote:Command", `streambus-broker-2-tls-${suffix}`);
    expect(isSecret(file("key").inputs.stdin)).toBe(true);
    expect(unsecret(file("key").inputs.stdin)).toBe("PRIVATE-KEY(streambus-broker-2-tls)");
    expect(String(file("key").inputs.create)).toContain("umask 027; cat > /etc/streambus/tls/broker.key");
    // The CA is readable by the metrics agent's user; the key is not.
    expect(String(file("ca").inputs.create)).toContain("umask 022; cat > /etc/streambus/tls/ca.crt");
    expect(file("cert").inputs.stdin).toBe("CERTIFICATE(streambus-broker-2-tls)");
    expect(file("ca").inputs.stdin).toBe("CERTIFICATE(streambus-tls-ca)");
    // The key is nowhere else: not in a trigger, a script or another command.
    for (const r of prod().filter(
      (r) => r.name !== "streambus-broker-2-tls-key" && r.type.startsWith("command:"),
    ))
      expect(JSON.stringify(r.inputs)).not.toContain("PRIVATE-KEY(streambus-broker-2-tls)");

    const copy = find(prod(), "command:remote:CopyToRemote", "streambus-broker-2-config");
    expect((parse(await assetText(copy.inputs.source)) as { admin: unknown }).admin).toEqual({
      token_file: "/etc/streambus/admin-token",
      tls: {
        cert_file: "/etc/streambus/tls/broker.crt",
        key_file: "/etc/streambus/tls/broker.key",
        ca_file: "/etc/streambus/tls/ca.crt",
      },
    });
    const start = find(prod(), "command:remote:Command", "streambus-broker-2-start");
    expect(String(start.inputs.create)).toContain(
      "curl -sS --cacert /etc/streambus/tls/ca.crt https://127.0.0.1:8080/health/ready",
    );
    expect(await valueOf(outputs.caCertificate as pulumi.Output<string>)).toBe(
      "CERTIFICATE(streambus-tls-ca)",
    );
    // Membership and the settings trust the CA.
    const membership = find(
      prod(),
      "pulumi-nodejs:dynamic/streambus:ClusterMembership",
      "streambus-membership",
    );
    expect(membership.inputs.caCertificate).toBe("CERTIFICATE(streambus-tls-ca)");
    expect(
      find(prod(), "pulumi-nodejs:dynamic/streambus:ClusterConfig", "streambus-cluster-config").inputs
        .caCertificate,
    ).toBe("CERTIFICATE(streambus-tls-ca)");
  });

  it("writes each broker's seeds as the other brokers' Raft addresses", () => {
    const seeds = find(prod(), "command:remote:Command", "streambus-broker-2-seeds");
    expect(seeds.inputs.stdin).toBe("10.0.1.10:9093\n10.0.3.10:9093\n10.0.4.10:9093\n10.0.5.10:9093\n");
  });

  it("makes versioned, SSE-KMS, private, TLS-only backup and archive buckets with lifecycle rules", () => {
    for (const kind of ["backup", "archive"]) {
      const bucket = find(prod(), "aws:s3/bucket:Bucket", `streambus-${kind}`);
      expect(bucket.inputs.bucketPrefix).toBe(`streambus-prod-${kind}-`);
      const bucketId = `streambus-${kind}-id`;
      expect(
        find(prod(), "aws:s3/bucketVersioning:BucketVersioning", `streambus-${kind}-versioning`).inputs,
      ).toEqual({
        bucket: bucketId,
        versioningConfiguration: { status: "Enabled" },
      });
      const sse = find(
        prod(),
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        `streambus-${kind}-encryption`,
      );
      expect(sse.inputs.rules).toEqual([
        {
          applyServerSideEncryptionByDefault: {
            sseAlgorithm: "aws:kms",
            kmsMasterKeyId: "arn:aws:kms:us-east-1:123456789012:key/streambus-backup-key",
          },
          bucketKeyEnabled: true,
        },
      ]);
      expect(
        find(
          prod(),
          "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
          `streambus-${kind}-public-access`,
        ).inputs,
      ).toEqual({
        bucket: bucketId,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      });
      const policy = JSON.parse(
        String(find(prod(), "aws:s3/bucketPolicy:BucketPolicy", `streambus-${kind}-tls-only`).inputs.policy),
      );
      expect(policy.Statement[0]).toMatchObject({
        Effect: "Deny",
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      });
      const lifecycle = find(
        prod(),
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        `streambus-${kind}-lifecycle`,
      );
      expect(lifecycle.inputs.rules).toEqual([
        expect.objectContaining({
          status: "Enabled",
          transitions: [{ days: 30, storageClass: "GLACIER" }],
          expiration: { days: 365 },
        }),
      ]);
    }
    expect(find(prod(), "aws:kms/key:Key", "streambus-backup-key").inputs.enableKeyRotation).toBe(true);
  });

  it("emits the six alert rules as an AMP rule group namespace and exposes the stack outputs", async () => {
    const rules = find(prod(), "aws:amp/ruleGroupNamespace:RuleGroupNamespace", "streambus-alerts");
    expect(rules.inputs.workspaceId).toBe("streambus-prometheus-id");
    const doc = parse(String(rules.inputs.data)) as { groups: Array<{ rules: Array<{ alert: string }> }> };
    expect(doc.groups[0]?.rules.map((r) => r.alert)).toHaveLength(6);
    expect(find(prod(), "pulumi:providers:aws", "streambus-aws").inputs.region).toBe("us-east-1");
    expect(await valueOf(outputs.adminUrls as pulumi.Output<Record<string, string>>)).toMatchObject({
      "1": "https://10.0.1.10:8080",
      "5": "https://10.0.5.10:8080",
    });
    expect(await valueOf(outputs.bootstrapAddresses as pulumi.Output<string[]>)).toHaveLength(5);
    expect(await valueOf(outputs.backupBucket as pulumi.Output<string>)).toBe("streambus-prod-backup-0001");
  });

  it("renders a new broker config, and re-runs the push, when a static setting changes", async () => {
    const raw = (ports: Record<string, number>) => ({
      ...Object.fromEntries(
        Object.entries(prodConfig()).map(([k, v]) => {
          try {
            return [k.slice("streambus:".length), JSON.parse(v)];
          } catch {
            return [k.slice("streambus:".length), v];
          }
        }),
      ),
      ports,
    });
    const provision = await cluster.loadPlatform("aws");
    const a = new cluster.StreamBusCluster("sbA", {
      config: parseStackConfig(raw({ admin: 8080 })),
      provision,
    });
    const b = new cluster.StreamBusCluster("sbB", {
      config: parseStackConfig(raw({ admin: 8081 })),
      provision,
    });
    await valueOf(pulumi.all([a.urn, b.urn]));
    await settle(recorded);
    const copyA = find(recorded, "command:remote:CopyToRemote", "sbA-broker-1-config");
    const copyB = find(recorded, "command:remote:CopyToRemote", "sbB-broker-1-config");
    expect(await assetText(copyA.inputs.source)).toContain("admin: 0.0.0.0:8080");
    expect(await assetText(copyB.inputs.source)).toContain("admin: 0.0.0.0:8081");
    expect((copyA.inputs.triggers as unknown[])[0]).not.toEqual((copyB.inputs.triggers as unknown[])[0]);
    const startA = find(recorded, "command:remote:Command", "sbA-broker-1-start");
    const startB = find(recorded, "command:remote:Command", "sbB-broker-1-start");
    expect(startA.inputs.triggers).not.toEqual(startB.inputs.triggers);
  });

  it("ships each broker's metrics to the AMP workspace: a Prometheus agent remote-writing with SigV4, allowed by the role", async () => {
    const workspace = find(prod(), "aws:amp/workspace:Workspace", "streambus-prometheus");
    expect(workspace.inputs.alias).toBe("streambus");
    const url =
      "https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-streambus-prometheus/api/v1/remote_write";
    const agents = ofType(prod(), "command:remote:Command").filter((c) => c.name.endsWith("-metrics-agent"));
    expect(agents.map((a) => a.name)).toEqual(
      [1, 2, 3, 4, 5].map((id) => `streambus-broker-${id}-metrics-agent`),
    );
    for (const [i, agent] of agents.entries()) {
      const doc = parse(String(agent.inputs.stdin)) as {
        scrape_configs: Array<{
          job_name: string;
          static_configs: Array<{ targets: string[]; labels: Record<string, string> }>;
        }>;
        remote_write: Array<{ url: string; sigv4: { region: string } }>;
      };
      // The rules select job="streambus" (alerts.job): the agent scrapes under that job, on loopback.
      expect(doc.scrape_configs[0]?.job_name).toBe("streambus");
      expect(doc.scrape_configs[0]?.static_configs[0]).toEqual({
        targets: ["127.0.0.1:8080"],
        labels: { instance: `broker-${i + 1}` },
      });
      expect(doc.remote_write).toEqual([{ url, sigv4: { region: "us-east-1" } }]);
      // TLS is on: the agent scrapes over HTTPS, verifying the broker with the stack's CA.
      expect(doc.scrape_configs[0]).toMatchObject({
        scheme: "https",
        tls_config: { ca_file: "/etc/streambus/tls/ca.crt" },
      });
      const script = String(agent.inputs.create);
      expect(script).toContain("--agent --config.file=/etc/streambus/metrics-agent.yml");
      expect(script).toContain("sha256sum -c");
      expect(unsecret(agent.inputs.connection)).toMatchObject({ host: `10.0.${i + 1}.10` });
    }
    const writer = find(prod(), "aws:iam/rolePolicy:RolePolicy", "streambus-broker-metrics-writer");
    expect(writer.inputs.role).toBe("streambus-broker-role-id");
    expect(JSON.parse(String(writer.inputs.policy)).Statement).toEqual([
      {
        Sid: "RemoteWriteMetrics",
        Effect: "Allow",
        Action: ["aps:RemoteWrite"],
        Resource: ["arn:aws:aps:us-east-1:123456789012:workspace/ws-streambus-prometheus"],
      },
    ]);
  });

  it("installs each agent after the role may write and after its broker's start (which follows the CA's push)", async () => {
    const raw = Object.fromEntries(
      Object.entries(prodConfig()).map(([k, v]) => {
        try {
          return [k.slice("streambus:".length), JSON.parse(v)];
        } catch {
          return [k.slice("streambus:".length), v];
        }
      }),
    );
    const { options } = await declareCluster(recorded, "sbM", raw);
    for (const id of [1, 5]) {
      expect(options.get(`sbM-broker-${id}-metrics-agent`)?.dependsOn).toEqual([
        "sbM-broker-metrics-writer",
        `sbM-broker-${id}-start`,
      ]);
    }
  });

  it("writes to an existing workspace when prometheusWorkspaceId names one, and creates none", async () => {
    const raw = Object.fromEntries(
      Object.entries(prodConfig()).map(([k, v]) => {
        try {
          return [k.slice("streambus:".length), JSON.parse(v)];
        } catch {
          return [k.slice("streambus:".length), v];
        }
      }),
    ) as Record<string, unknown>;
    const config = parseStackConfig({
      ...raw,
      aws: { ...(raw.aws as Record<string, unknown>), prometheusWorkspaceId: "ws-0123abcd" },
    });
    const made = new cluster.StreamBusCluster("sbW", {
      config,
      provision: await cluster.loadPlatform("aws"),
    });
    await valueOf(made.urn);
    await settle(recorded);
    const mine = recorded.filter((r) => r.name.startsWith("sbW-"));
    expect(ofType(mine, "aws:amp/workspace:Workspace")).toEqual([]);
    expect(find(mine, "aws:amp/ruleGroupNamespace:RuleGroupNamespace", "sbW-alerts").inputs.workspaceId).toBe(
      "ws-0123abcd",
    );
    const agent = parse(
      String(find(mine, "command:remote:Command", "sbW-broker-1-metrics-agent").inputs.stdin),
    ) as {
      remote_write: Array<{ url: string }>;
    };
    expect(agent.remote_write[0]?.url).toBe(
      "https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-0123abcd/api/v1/remote_write",
    );
    expect(
      JSON.parse(
        String(find(mine, "aws:iam/rolePolicy:RolePolicy", "sbW-broker-metrics-writer").inputs.policy),
      ).Statement[0].Resource,
    ).toEqual(["arn:aws:aps:us-east-1:123456789012:workspace/ws-0123abcd"]);
  });

  it("loaded the aws SDK (so the local test's absence check means something)", () => {
    expect(Object.keys(require.cache).some((p) => /node_modules\/@pulumi\/aws\//.test(p))).toBe(true);
  });
});
