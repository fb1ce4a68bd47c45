import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { RULE_GROUP_NAME, prometheusRuleSpec } from "../alerts";
import { BROKER_ID_PLACEHOLDER, configHash, renderBrokerConfig } from "../broker-config";
import { renderDashboardJson } from "../dashboard";
import { contiguousBrokerIdProblems } from "../cluster-args";
import { ClusterMembership, membershipArgs } from "../membership";
import type { PlatformResult } from "../platform";
import { createBrokerCertificate, createStackCa, type StackCa } from "../tls";
import {
  brokerNetworkPolicy,
  brokerPodSpec,
  clusterLabels,
  selectorLabels,
  toQuantity,
  type KubernetesStackConfig,
} from "./spec";

export {
  brokerNetworkPolicy,
  brokerPodSpec,
  clusterLabels,
  entrypointScript,
  selectorLabels,
  toQuantity,
} from "./spec";
export type { KubernetesStackConfig } from "./spec";

/** What the kubernetes platform creates, for the cluster and for tests. */
export interface KubernetesCluster extends PlatformResult {
  statefulSet: k8s.apps.v1.StatefulSet;
  /** The client Service's name: the cluster's bootstrap address inside kubernetes. */
  clientService: pulumi.Output<string>;
  /** The drain gate (the StatefulSet depends on it) and the join gate (it depends on the StatefulSet). */
  membership: [ClusterMembership, ClusterMembership];
}

/** A StatefulSet can only hold brokers 1..N: the component's rule (`contiguousBrokerIdProblems`), asserted. */
export function assertContiguousBrokerIds(ids: readonly number[]): void {
  const [problem] = contiguousBrokerIdProblems("kubernetes", ids);
  if (problem !== undefined) throw new Error(`brokers ${problem.message}`);
}

/**
 * The kubernetes platform: namespace, ConfigMap, token Secret, StatefulSet with volume claim
 * templates, headless and client Services, PodDisruptionBudget, NetworkPolicy, ServiceMonitor,
 * PrometheusRule and the Grafana dashboard ConfigMap. Object names are fixed (`name-broker`, ...)
 * because the pods' DNS names are built from them.
 */
export function createKubernetesCluster(
  name: string,
  config: KubernetesStackConfig,
  parent: pulumi.Resource,
): KubernetesCluster {
  assertContiguousBrokerIds(config.brokerIds);
  const k = config.kubernetes;
  const labels = clusterLabels(name);
  // Named objects cannot be created before their old self is gone.
  const opts: pulumi.CustomResourceOptions = { parent, deleteBeforeReplace: true };
  const namespace = k.createNamespace
    ? new k8s.core.v1.Namespace(`${name}-namespace`, { metadata: { name: k.namespace, labels } }, opts)
        .metadata.name
    : pulumi.output(k.namespace);
  const meta = (objectName: string, extra: Record<string, string> = {}) => ({
    name: objectName,
    namespace,
    labels: { ...labels, ...extra },
  });
  // TLS on the admin API (on by default on kubernetes): the stack's CA signs each broker's certificate.
  const ca = createStackCa(name, config, parent);
  const names = {
    configMap: `${name}-config`,
    tokenSecret: `${name}-admin-token`,
    headless: `${name}-brokers`,
    ...(ca !== undefined ? { tlsSecret: `${name}-tls` } : {}),
  };

  const text = renderBrokerConfig({
    brokerId: BROKER_ID_PLACEHOLDER,
    adminTokenRequired: true,
    tls: ca !== undefined,
    settings: config,
  });
  new k8s.core.v1.ConfigMap(
    `${name}-config`,
    { metadata: meta(names.configMap), data: { "broker.yaml": text } },
    opts,
  );
  new k8s.core.v1.Secret(
    `${name}-admin-token`,
    {
      metadata: meta(names.tokenSecret),
      type: "Opaque",
      stringData: { token: pulumi.secret(config.adminToken ?? "") },
    },
    opts,
  );

  const ports = [
    { name: "client", port: config.ports.client, targetPort: "client" },
    { name: "admin", port: config.ports.admin, targetPort: "admin" },
    { name: "raft", port: config.ports.raft, targetPort: "raft" },
  ];
  const headless = new k8s.core.v1.Service(
    `${name}-brokers`,
    {
      metadata: meta(names.headless, { "streambus.io/job": config.alerts.job }),
      // Brokers find each other (and register) before they are ready: ready means "joined".
      spec: { clusterIP: "None", publishNotReadyAddresses: true, selector: selectorLabels(name), ports },
    },
    opts,
  );
  const clientService = new k8s.core.v1.Service(
    `${name}-client`,
    {
      metadata: meta(`${name}-client`),
      spec: { type: "ClusterIP", selector: selectorLabels(name), ports: ports.slice(0, 1) },
    },
    opts,
  );

  // A StatefulSet shrinks by an update, which Pulumi runs before any delete: the drain gate runs
  // first (the StatefulSet depends on it), so removed ordinals are drained and have left before
  // their pods go. Its URLs are the pods' DNS names, known before the StatefulSet exists.
  const hostOf = (id: number) =>
    pulumi.interpolate`${name}-broker-${id - 1}.${names.headless}.${namespace}.svc.cluster.local`;
  const scheme = ca !== undefined ? "https" : "http";
  const adminUrls = new Map(
    config.brokerIds.map((id) => [id, pulumi.interpolate`${scheme}://${hostOf(id)}:${config.ports.admin}`]),
  );
  const tls = ca !== undefined ? createTlsSecret(name, config, ca, hostOf, namespace, meta, opts) : undefined;
  const drainGate = new ClusterMembership(
    `${name}-membership-drain`,
    membershipArgs(config, adminUrls, "drain", ca?.certificate),
    { parent },
  );
  const statefulSet = new k8s.apps.v1.StatefulSet(
    `${name}-broker`,
    {
      metadata: {
        ...meta(`${name}-broker`),
        annotations: {
          // Readiness needs the membership join that runs after this; waiting for it here would
          // deadlock. A condition met once the object is stored replaces the provider's readiness
          // wait (skipAwait would also skip waiting for a delete to finish, and a replacement would
          // then be created while the old StatefulSet is still there).
          "pulumi.com/waitFor": "jsonpath={.metadata.uid}",
          // A replacement deletes this StatefulSet first (see below): leave its pods running for the
          // new one to adopt, as `kubectl delete --cascade=orphan` does.
          "pulumi.com/deletionPropagationPolicy": "orphan",
        },
      },
      spec: {
        serviceName: names.headless,
        replicas: config.brokerIds.length,
        podManagementPolicy: "Parallel",
        updateStrategy: { type: "RollingUpdate" },
        selector: { matchLabels: selectorLabels(name) },
        template: {
          // The config's hash rolls the pods (one at a time) when the rendered config changes.
          // New certificates roll the pods too: a broker reads its files at start.
          metadata: {
            labels,
            annotations: {
              "streambus.io/config-hash": configHash(text),
              ...(tls !== undefined ? { "streambus.io/tls-hash": tls.hash } : {}),
            },
          },
          spec: brokerPodSpec(name, config, names),
        },
        volumeClaimTemplates: [
          {
            metadata: { name: "data" },
            spec: {
              accessModes: ["ReadWriteOnce"],
              ...(k.storageClass !== undefined ? { storageClassName: k.storageClass } : {}),
              resources: { requests: { storage: toQuantity(k.storageSize) } },
            },
          },
        ],
      },
    },
    // An immutable change (a volume claim's size) replaces the StatefulSet. `deleteBeforeReplace`
    // is left to the kubernetes provider, which deletes a named object before creating its
    // replacement; the orphan policy above keeps that delete from taking every broker down at once:
    // the pods keep running and the new StatefulSet adopts them. (Set to false, the engine creates
    // first, the provider's apply onto the same name conflicts and `up` fails: the change can never
    // be made.) Claims that exist keep their size; expand them to resize (docs/cluster-config.md).
    // Both tested against a real API server (docs/kubernetes.md).
    { parent, dependsOn: [drainGate] },
  );

  new k8s.policy.v1.PodDisruptionBudget(
    `${name}-pdb`,
    {
      metadata: meta(`${name}-pdb`),
      spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(name) } },
    },
    opts,
  );
  new k8s.networking.v1.NetworkPolicy(
    `${name}-admin`,
    { metadata: meta(`${name}-admin`), spec: brokerNetworkPolicy(name, config) },
    opts,
  );
  new k8s.apiextensions.CustomResource(
    `${name}-metrics`,
    {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "ServiceMonitor",
      metadata: meta(`${name}-metrics`, k.serviceMonitorLabels),
      spec: {
        jobLabel: "streambus.io/job",
        selector: { matchLabels: { ...selectorLabels(name), "streambus.io/job": config.alerts.job } },
        endpoints: [
          {
            port: "admin",
            path: "/metrics",
            interval: "30s",
            // Prometheus scrapes pod IPs: it verifies the name every broker's certificate holds.
            ...(tls !== undefined
              ? {
                  scheme: "https",
                  tlsConfig: {
                    ca: { secret: { name: names.tlsSecret, key: "ca.crt" } },
                    serverName: pulumi.interpolate`${names.headless}.${namespace}.svc`,
                  },
                }
              : {}),
          },
        ],
      },
    },
    opts,
  );
  const rule = new k8s.apiextensions.CustomResource(
    `${name}-alerts`,
    {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PrometheusRule",
      metadata: meta(`${name}-alerts`, k.serviceMonitorLabels),
      spec: prometheusRuleSpec(config.alerts),
    },
    opts,
  );
  const dashboard = new k8s.core.v1.ConfigMap(
    `${name}-dashboard`,
    {
      metadata: meta(`${name}-dashboard`, { grafana_dashboard: "1" }),
      data: { "streambus.json": renderDashboardJson({ job: config.alerts.job }) },
    },
    opts,
  );

  // The join gate runs after the StatefulSet has grown: join the new pods' brokers, rebalance.
  const joinGate = new ClusterMembership(
    `${name}-membership-join`,
    membershipArgs(config, adminUrls, "join", ca?.certificate),
    { parent, dependsOn: [statefulSet, headless] },
  );
  const brokers = config.brokerIds.map((id) => ({
    id,
    adminUrl: adminUrls.get(id)!,
    bootstrapAddress: pulumi.interpolate`${hostOf(id)}:${config.ports.client}`,
    resources: [statefulSet as pulumi.Resource, headless],
  }));
  return {
    brokers,
    statefulSet,
    alertRules: pulumi.interpolate`${namespace}/${rule.metadata.name}#${RULE_GROUP_NAME}`,
    dashboard: pulumi.interpolate`${namespace}/${dashboard.metadata.name}`,
    clientService: clientService.metadata.name,
    membership: [drainGate, joinGate],
    ...(ca !== undefined ? { caCertificate: ca.certificate } : {}),
  };
}

/**
 * Each broker's certificate (its pod's DNS name; the headless Service's name, which Prometheus
 * verifies; loopback) and the Secret `${name}-tls` that holds them, their keys and the CA: each pod
 * takes its own at start. The Secret's data is a secret Output, encrypted in the state.
 */
function createTlsSecret(
  name: string,
  config: KubernetesStackConfig,
  ca: StackCa,
  hostOf: (id: number) => pulumi.Output<string>,
  namespace: pulumi.Output<string>,
  meta: (objectName: string) => Record<string, unknown>,
  opts: pulumi.CustomResourceOptions,
): { hash: pulumi.Output<string> } {
  const service = pulumi.interpolate`${name}-brokers.${namespace}.svc`;
  const certs = config.brokerIds.map((id) =>
    createBrokerCertificate(
      name,
      id,
      ca,
      {
        dnsNames: [hostOf(id), service, pulumi.interpolate`${service}.cluster.local`, "localhost"],
        ipAddresses: ["127.0.0.1"],
      },
      config,
      { parent: opts.parent },
    ),
  );
  const files = pulumi
    .all([
      ca.certificate,
      pulumi.all(certs.map((c) => c.certificate)),
      pulumi.all(certs.map((c) => c.privateKey)),
    ])
    .apply(([caPem, pems, keys]) => {
      const data: Record<string, string> = { "ca.crt": caPem };
      config.brokerIds.forEach((id, i) => {
        data[`broker-${id}.crt`] = pems[i]!;
        data[`broker-${id}.key`] = keys[i]!;
      });
      return data;
    });
  new k8s.core.v1.Secret(
    `${name}-tls`,
    { metadata: meta(`${name}-tls`), type: "Opaque", stringData: pulumi.secret(files) },
    opts,
  );
  return {
    hash: pulumi.all(certs.map((c) => c.certificate)).apply((pems) => configHash(pems.join("\n"))),
  };
}
