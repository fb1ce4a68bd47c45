import * as aws from "@pulumi/aws";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { AwsConfig, StackConfig } from "../../common/config-types";
import { BROKER_PATHS, configHash, renderBrokerConfig } from "../broker-config";
import type { BrokerEndpoint } from "../platform";
import { createBrokerCertificate, type BrokerCertificate, type StackCa } from "../tls";
import type { Subnet } from "./placement";

const GIB = 1024 ** 3;
const DATA_DEVICE = "/dev/sdf";
const STAGED_CONFIG = "/tmp/streambus-broker.yaml";

/** What every broker of the cluster shares. */
export interface AwsBrokerShared {
  config: StackConfig & { platform: "aws"; aws: AwsConfig };
  securityGroupId: pulumi.Output<string>;
  instanceProfileName: pulumi.Output<string>;
  opts: pulumi.CustomResourceOptions;
  /** The stack's CA when TLS is on (`streambus:tls`): each broker gets a certificate it signs. */
  ca?: StackCa;
}

/** One broker's machine: its instance and its data volume. */
export interface AwsBrokerMachine {
  instance: aws.ec2.Instance;
  dataVolume: aws.ebs.Volume;
  attachment: aws.ec2.VolumeAttachment;
}

/** One broker's aws resources. */
export interface AwsBroker extends AwsBrokerMachine {
  configFile: command.remote.CopyToRemote;
  start: command.remote.Command;
  /** Stops the service when the broker goes (its delete); never replaced by a config change. */
  stop: command.remote.Command;
  endpoint: BrokerEndpoint;
}

/**
 * The shell that installs the pushed config only once `streambus-broker --validate-config`
 * accepts it, then (re)starts the service and waits until it is ready again (caught up). A
 * config the broker refuses leaves the running one in place and fails the update.
 */
export function startScript(adminPort: number, tls = false): string {
  // With TLS the broker's certificate names 127.0.0.1 too, so the local check verifies it.
  const ready = tls
    ? `curl -sS --cacert ${BROKER_PATHS.tlsCa} https://127.0.0.1:${adminPort}/health/ready`
    : `curl -sS http://127.0.0.1:${adminPort}/health/ready`;
  return [
    "set -eu",
    `sudo install -m 0644 ${STAGED_CONFIG} ${BROKER_PATHS.config}.new`,
    `sudo streambus-broker --validate-config --config ${BROKER_PATHS.config}.new`,
    `sudo mv -f ${BROKER_PATHS.config}.new ${BROKER_PATHS.config}`,
    "sudo systemctl enable streambus-broker",
    "sudo systemctl restart streambus-broker",
    // The health gate of the rolling restart: the next broker's start depends on this one, so
    // it waits until this broker is ready (a member that sees the leader and has caught up) or,
    // on its first start, has registered as a learner that membership will join.
    `for _ in $(seq 1 300); do r=$(${ready} || true); case "$r" in *'"ready"'*|*'"joining"'*) exit 0;; esac; sleep 2; done`,
    'echo "streambus-broker was not ready (caught up) within 600s" >&2; exit 1',
  ].join("\n");
}

/** Formats the data volume once (never again: it outlives instances) and mounts it. */
export function mountScript(volumeId: string): string {
  // Nitro instances show EBS volumes as NVMe devices named after the volume id.
  const device = `/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${volumeId.replace("-", "")}`;
  return [
    "set -eu",
    `dev=${device}; [ -e "$dev" ] || dev=${DATA_DEVICE}`,
    'for _ in $(seq 1 30); do [ -e "$dev" ] && break; sleep 2; done',
    'sudo blkid "$dev" >/dev/null || sudo mkfs.xfs -L streambus-data "$dev"',
    "sudo mkdir -p /var/lib/streambus",
    "grep -q ' /var/lib/streambus ' /etc/fstab || echo 'LABEL=streambus-data /var/lib/streambus xfs defaults,nofail 0 2' | sudo tee -a /etc/fstab >/dev/null",
    "mountpoint -q /var/lib/streambus || sudo mount /var/lib/streambus",
    `sudo mkdir -p ${BROKER_PATHS.dataDir} && sudo chown -R streambus:streambus /var/lib/streambus`,
  ].join("\n");
}

/**
 * Writes stdin to a file only root and the broker's group can read: the token never appears on a
 * command line or in a log.
 */
export function writeSecretFileScript(path: string, dir = "/etc/streambus"): string {
  return [
    "set -eu",
    `sudo install -d -m 0755 ${dir}`,
    `sudo sh -c 'umask 027; cat > ${path}'`,
    `sudo chgrp streambus ${path}`,
  ].join("\n");
}

/** Writes stdin to a file anyone may read (a certificate), never through a command line. */
function writePublicFileScript(path: string, dir: string): string {
  return ["set -eu", `sudo install -d -m 0755 ${dir}`, `sudo sh -c 'umask 022; cat > ${path}'`].join("\n");
}

function brokerTags(a: AwsConfig, base: string, id: number): Record<string, string> {
  return { ...a.tags, Name: base, "streambus:broker-id": String(id) };
}

/** Creates broker `id`'s machine: its instance in `subnet` and its separate data volume. */
export function createBrokerMachine(
  name: string,
  id: number,
  subnet: Subnet,
  shared: AwsBrokerShared,
): AwsBrokerMachine {
  const { config, opts } = shared;
  const a = config.aws;
  const base = `${name}-broker-${id}`;
  const tags = brokerTags(a, base, id);

  const instance = new aws.ec2.Instance(
    base,
    {
      ami: a.ami,
      instanceType: a.instanceType,
      subnetId: subnet.id,
      availabilityZone: subnet.availabilityZone,
      vpcSecurityGroupIds: [shared.securityGroupId],
      iamInstanceProfile: shared.instanceProfileName,
      keyName: a.ssh.keyName,
      associatePublicIpAddress: false,
      metadataOptions: { httpTokens: "required", httpEndpoint: "enabled", httpPutResponseHopLimit: 1 },
      rootBlockDevice: {
        encrypted: true,
        volumeType: "gp3",
        volumeSize: a.rootVolumeSize / GIB,
        deleteOnTermination: true,
      },
      tags,
    },
    opts,
  );
  // The data lives on its own volume so that replacing the instance (a new AMI) keeps it.
  const dataVolume = new aws.ebs.Volume(
    `${base}-data`,
    {
      availabilityZone: subnet.availabilityZone,
      size: a.dataVolume.size / GIB,
      type: a.dataVolume.type,
      iops: a.dataVolume.iops,
      ...(a.dataVolume.type === "gp3" ? { throughput: a.dataVolume.throughput } : {}),
      encrypted: true,
      finalSnapshot: true,
      tags: { ...tags, Name: `${base}-data` },
    },
    opts,
  );
  const attachment = new aws.ec2.VolumeAttachment(
    `${base}-data-attachment`,
    {
      deviceName: DATA_DEVICE,
      instanceId: instance.id,
      volumeId: dataVolume.id,
      stopInstanceBeforeDetaching: true,
    },
    opts,
  );
  return { instance, dataVolume, attachment };
}

/** The SSH connection to a broker's machine (through the proxy host when there is one). */
export function brokerConnection(
  shared: AwsBrokerShared,
  instance: aws.ec2.Instance,
): command.types.input.remote.ConnectionArgs {
  const { config } = shared;
  const a = config.aws;
  return {
    host: instance.privateIp,
    user: a.ssh.user,
    privateKey: pulumi.secret(config.sshPrivateKey),
    ...(a.ssh.proxyHost !== undefined
      ? {
          proxy: { host: a.ssh.proxyHost, user: a.ssh.user, privateKey: pulumi.secret(config.sshPrivateKey) },
        }
      : {}),
  };
}

/**
 * Configures broker `id` on its machine: mounts the data volume, pushes the admin token, the
 * seeds and the config, and starts the service. `after` is the previous broker's start, so that
 * restarts after a config change run one broker at a time.
 */
export function configureBroker(
  name: string,
  id: number,
  subnet: Subnet,
  machine: AwsBrokerMachine,
  seeds: pulumi.Output<string>,
  shared: AwsBrokerShared,
  after: pulumi.Resource | undefined,
): AwsBroker {
  const { config, opts } = shared;
  const base = `${name}-broker-${id}`;
  const { instance, dataVolume, attachment } = machine;
  const connection = brokerConnection(shared, instance);
  const mount = new command.remote.Command(
    `${base}-data-mount`,
    { connection, create: dataVolume.id.apply(mountScript), triggers: [instance.id, dataVolume.id] },
    { ...opts, dependsOn: [attachment] },
  );
  const token = new command.remote.Command(
    `${base}-admin-token`,
    {
      connection,
      create: writeSecretFileScript(BROKER_PATHS.adminToken),
      stdin: pulumi.secret(config.adminToken ?? ""),
      triggers: [instance.id],
    },
    opts,
  );
  const seedFile = new command.remote.Command(
    `${base}-seeds`,
    { connection, create: writeSecretFileScript(BROKER_PATHS.seeds), stdin: seeds, triggers: [instance.id] },
    opts,
  );

  const tlsFiles =
    shared.ca !== undefined ? pushTlsFiles(name, id, machine, connection, shared.ca, shared) : undefined;
  const text = renderBrokerConfig({
    brokerId: id,
    rack: subnet.availabilityZone,
    adminTokenRequired: true,
    tls: tlsFiles !== undefined,
    settings: config,
  });
  const hash = configHash(text);
  const configFile = new command.remote.CopyToRemote(
    `${base}-config`,
    {
      connection,
      source: new pulumi.asset.StringAsset(text),
      remotePath: STAGED_CONFIG,
      triggers: [hash, instance.id],
    },
    opts,
  );
  // The start has no `delete`: a new config replaces it, and Pulumi creates the replacement
  // (validate, restart, wait until caught up) before it deletes the old one, so a delete that
  // stopped the service would leave the broker stopped at the end of the update.
  const start = new command.remote.Command(
    `${base}-start`,
    {
      connection,
      create: startScript(config.ports.admin, tlsFiles !== undefined),
      // A new certificate restarts the broker (it reads its files at start), in the same order.
      triggers: [hash, instance.id, ...(tlsFiles !== undefined ? [tlsFiles.certificate.certificate] : [])],
    },
    {
      ...opts,
      dependsOn: [
        configFile,
        mount,
        token,
        seedFile,
        ...(tlsFiles?.files ?? []),
        ...(after !== undefined ? [after] : []),
      ],
    },
  );
  // Stopping is the runbook's step before deprovisioning (membership has drained and removed the
  // broker first): a command of its own, replaced only with the instance, whose delete runs
  // when the broker goes, against the machine it was created on.
  const stop = new command.remote.Command(
    `${base}-stop`,
    { connection, delete: "sudo systemctl stop streambus-broker || true", triggers: [instance.id] },
    { ...opts, dependsOn: [start] },
  );

  return {
    ...machine,
    configFile,
    start,
    stop,
    endpoint: {
      id,
      adminUrl: pulumi.interpolate`${tlsFiles !== undefined ? "https" : "http"}://${instance.privateIp}:${config.ports.admin}`,
      bootstrapAddress: pulumi.interpolate`${instance.privateIp}:${config.ports.client}`,
      resources: [instance, dataVolume, start, stop],
    },
  };
}

/**
 * Broker `id`'s admin API certificate (for its private DNS name and IP, and loopback for its own
 * ready check), pushed with its key and the CA under `/etc/streambus/tls`: each file through
 * stdin, the key as a secret, so that none appears on a command line, in a log or in plaintext in
 * the state. Pushed again when the instance or the certificate changes.
 */
function pushTlsFiles(
  name: string,
  id: number,
  machine: AwsBrokerMachine,
  connection: command.types.input.remote.ConnectionArgs,
  ca: StackCa,
  shared: AwsBrokerShared,
): { certificate: BrokerCertificate; files: command.remote.Command[] } {
  const { instance } = machine;
  const base = `${name}-broker-${id}`;
  // The certificate is no aws resource: only the parent of the shared options applies to it.
  const certificate = createBrokerCertificate(
    name,
    id,
    ca,
    {
      dnsNames: instance.privateDns.apply((dns) => (dns ? [dns, "localhost"] : ["localhost"])),
      ipAddresses: instance.privateIp.apply((ip) => (ip ? [ip, "127.0.0.1"] : ["127.0.0.1"])),
    },
    shared.config,
    { parent: shared.opts.parent },
  );
  const dir = "/etc/streambus/tls";
  // Triggered by certificates, never by the key: a new key always comes with a new certificate.
  // The key readable by root and the broker's group only; the certificates by anyone (the
  // metrics agent, which runs as its own user, verifies the broker with the CA).
  const file = (suffix: string, path: string, stdin: pulumi.Input<string>, trigger: pulumi.Input<string>) =>
    new command.remote.Command(
      `${base}-tls-${suffix}`,
      {
        connection,
        create: suffix === "key" ? writeSecretFileScript(path, dir) : writePublicFileScript(path, dir),
        stdin,
        triggers: [instance.id, trigger],
      },
      shared.opts,
    );
  const files = [
    file("key", BROKER_PATHS.tlsKey, pulumi.secret(certificate.privateKey), certificate.certificate),
    file("cert", BROKER_PATHS.tlsCertificate, certificate.certificate, certificate.certificate),
    file("ca", BROKER_PATHS.tlsCa, ca.certificate, ca.certificate),
  ];
  return { certificate, files };
}
