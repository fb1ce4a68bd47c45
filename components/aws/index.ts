import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AwsConfig, StackConfig } from "../../common/config-types";
import { renderRulesFile } from "../alerts";
import { createBackupBuckets } from "../backup";
import type { PlatformResult } from "../platform";
import { BROKER_PATHS } from "../broker-config";
import { createStackCa } from "../tls";
import { configureBroker, createBrokerMachine, type AwsBroker, type AwsBrokerMachine } from "./broker";
import { backupWriterPolicy, ec2AssumeRolePolicy } from "./iam";
import { createMetricsAgent, metricsAgentConfig, remoteWriteUrl, remoteWriterPolicy } from "./metrics";
import { brokerIngressRules } from "./network";
import { placeBrokers } from "./placement";

export { assertNoOpenAdminOrRaft, brokerIngressRules } from "./network";
export type { IngressRule } from "./network";
export { backupWriterPolicy, ec2AssumeRolePolicy } from "./iam";
export { placeBrokers } from "./placement";
export { metricsAgentConfig, metricsAgentScript, remoteWriteUrl, remoteWriterPolicy } from "./metrics";
export { mountScript, startScript, writeSecretFileScript } from "./broker";

/** The aws platform's config. */
export type AwsStackConfig = StackConfig & { platform: "aws"; aws: AwsConfig };

/** What the aws platform creates, for the cluster and for tests. */
export interface AwsCluster extends PlatformResult {
  brokerResources: Map<number, AwsBroker>;
}

/**
 * The aws platform: one region's provider, the backup and archive buckets, the brokers'
 * security group and role, a broker per id spread over the subnets' zones, the alert rules as an
 * Amazon Managed Prometheus rule group namespace, and on each broker a Prometheus agent that
 * remote-writes its metrics to that workspace.
 */
export function createAwsCluster(name: string, config: AwsStackConfig, parent: pulumi.Resource): AwsCluster {
  const a = config.aws;
  const provider = new aws.Provider(
    `${name}-aws`,
    { region: a.region as aws.Region, defaultTags: { tags: a.tags } },
    { parent },
  );
  const opts: pulumi.CustomResourceOptions = { parent, provider };

  const buckets = config.backup.enabled ? createBackupBuckets(name, config.backup, opts) : undefined;

  const securityGroup = new aws.ec2.SecurityGroup(
    `${name}-brokers`,
    {
      description: `${name}: StreamBus brokers`,
      vpcId: a.vpcId,
      ingress: brokerIngressRules({
        ports: config.ports,
        clientCidrs: a.clientCidrs,
        operatorCidrs: a.operatorCidrs,
      }),
      egress: [
        {
          description: "brokers reach out",
          protocol: "-1",
          fromPort: 0,
          toPort: 0,
          cidrBlocks: ["0.0.0.0/0"],
        },
      ],
    },
    opts,
  );
  const role = new aws.iam.Role(
    `${name}-broker-role`,
    { assumeRolePolicy: JSON.stringify(ec2AssumeRolePolicy()) },
    opts,
  );
  if (buckets !== undefined) {
    new aws.iam.RolePolicy(
      `${name}-broker-backup-writer`,
      {
        role: role.id,
        policy: pulumi
          .all([buckets.backup.arn, buckets.kmsKeyArn])
          .apply(([bucketArn, keyArn]) => JSON.stringify(backupWriterPolicy(bucketArn, keyArn))),
      },
      opts,
    );
  }
  const profile = new aws.iam.InstanceProfile(`${name}-broker-profile`, { role: role.name }, opts);

  // The alert rules run in the workspace: the brokers' agents remote-write there (SigV4 through
  // this role), or the alerts could never fire.
  const workspace = prometheusWorkspace(name, a, opts);
  const metricsWriter = new aws.iam.RolePolicy(
    `${name}-broker-metrics-writer`,
    { role: role.id, policy: workspace.arn.apply((arn) => JSON.stringify(remoteWriterPolicy(arn))) },
    opts,
  );

  // TLS on the admin API (on by default on aws): the stack's CA signs each broker's certificate.
  const ca = createStackCa(name, config, parent);
  const shared = {
    config,
    securityGroupId: securityGroup.id,
    instanceProfileName: profile.name,
    opts,
    ...(ca !== undefined ? { ca } : {}),
  };
  const placement = placeBrokers(config.brokerIds, a.subnets);
  const machines = new Map<number, AwsBrokerMachine>();
  for (const [id, subnet] of placement) machines.set(id, createBrokerMachine(name, id, subnet, shared));

  const brokerResources = new Map<number, AwsBroker>();
  let previous: pulumi.Resource | undefined;
  for (const [id, subnet] of placement) {
    const machine = machines.get(id);
    if (machine === undefined) continue;
    const others = [...machines].filter(([other]) => other !== id).map(([, m]) => m.instance.privateIp);
    const seeds = pulumi.all(others).apply((ips) => ips.map((ip) => `${ip}:${config.ports.raft}\n`).join(""));
    const broker = configureBroker(name, id, subnet, machine, seeds, shared, previous);
    brokerResources.set(id, broker);
    previous = broker.start;
    const agentConfig = workspace.prometheusEndpoint.apply((endpoint) =>
      metricsAgentConfig({
        job: config.alerts.job,
        cluster: name,
        brokerId: id,
        adminPort: config.ports.admin,
        remoteWriteUrl: remoteWriteUrl(endpoint),
        region: a.region,
        ...(ca !== undefined ? { caFile: BROKER_PATHS.tlsCa } : {}),
      }),
    );
    // After the broker's start, which follows the pushed files: the agent's scrape needs the CA.
    createMetricsAgent(name, id, machine, agentConfig, shared, [metricsWriter, broker.start]);
  }

  const rules = new aws.amp.RuleGroupNamespace(
    `${name}-alerts`,
    { name: `${name}-alerts`, workspaceId: workspace.id, data: renderRulesFile(config.alerts) },
    opts,
  );

  return {
    brokers: [...brokerResources.values()].map((b) => b.endpoint),
    brokerResources,
    alertRules: rules.arn,
    backupBucket: buckets?.backup.bucket,
    archiveBucket: buckets?.archive.bucket,
    ...(ca !== undefined ? { caCertificate: ca.certificate } : {}),
  };
}

/** The workspace the alert rules run in: the stack's own, or the one `prometheusWorkspaceId` names. */
function prometheusWorkspace(
  name: string,
  a: AwsConfig,
  opts: pulumi.CustomResourceOptions,
): { id: pulumi.Output<string>; arn: pulumi.Output<string>; prometheusEndpoint: pulumi.Output<string> } {
  if (a.prometheusWorkspaceId === undefined)
    return new aws.amp.Workspace(`${name}-prometheus`, { alias: name }, opts);
  const found = aws.amp.getWorkspaceOutput({ workspaceId: a.prometheusWorkspaceId }, opts);
  return { id: found.workspaceId, arn: found.arn, prometheusEndpoint: found.prometheusEndpoint };
}
