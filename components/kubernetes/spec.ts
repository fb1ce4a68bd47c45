import type * as k8s from "@pulumi/kubernetes";
import type { KubernetesConfig, StackConfig } from "../../common/config-types";
import { BROKER_ID_PLACEHOLDER, BROKER_PATHS } from "../broker-config";

type PodSpec = k8s.types.input.core.v1.PodSpec;
type NetworkPolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;

/** The kubernetes platform's config. */
export type KubernetesStackConfig = StackConfig & { platform: "kubernetes"; kubernetes: KubernetesConfig };

/** The labels every object of the cluster carries; the selector is the first two. */
export function clusterLabels(name: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": "streambus",
    "app.kubernetes.io/instance": name,
    "app.kubernetes.io/managed-by": "pulumi",
  };
}

/** The pods' selector. */
export function selectorLabels(name: string): Record<string, string> {
  return { "app.kubernetes.io/name": "streambus", "app.kubernetes.io/instance": name };
}

/** A size in bytes as a Kubernetes quantity: whole Gi when exact. */
export function toQuantity(bytes: number): string {
  const gib = 1024 ** 3;
  return bytes % gib === 0 ? `${bytes / gib}Gi` : String(bytes);
}

/**
 * The broker's entrypoint: fills in the pod's broker id (ordinal + 1, so pod `-0` is broker 1)
 * in the ConfigMap's template the runbook's way (`sed s/BROKER_ID/...`), validates the result
 * and only then execs the broker.
 */
export function entrypointScript(tls = false): string {
  return [
    "set -eu",
    "id=$(( ${HOSTNAME##*-} + 1 ))",
    `sed "s/${BROKER_ID_PLACEHOLDER}/$id/" /etc/streambus-template/broker.yaml > ${BROKER_PATHS.config}`,
    // With TLS, the pod takes its own broker's certificate and key from the cluster's TLS Secret.
    ...(tls
      ? [
          "install -d -m 0700 /etc/streambus/tls",
          `cp "${TLS_MOUNT}/broker-$id.crt" ${BROKER_PATHS.tlsCertificate}`,
          `(umask 077; cp "${TLS_MOUNT}/broker-$id.key" ${BROKER_PATHS.tlsKey})`,
          `cp ${TLS_MOUNT}/ca.crt ${BROKER_PATHS.tlsCa}`,
        ]
      : []),
    `streambus-broker --validate-config --config ${BROKER_PATHS.config}`,
    `exec streambus-broker --config ${BROKER_PATHS.config}`,
  ].join("\n");
}

/** Where the cluster's TLS Secret (every broker's certificate and key, and the CA) is mounted. */
export const TLS_MOUNT = "/etc/streambus-tls";

/**
 * The broker pods' spec: probes, ports, security context, spread over zones and nodes. With
 * `names.tlsSecret`, the admin API serves HTTPS (the probes too) with the pod's own certificate.
 */
export function brokerPodSpec(
  name: string,
  config: KubernetesStackConfig,
  names: { configMap: string; tokenSecret: string; headless: string; tlsSecret?: string },
): PodSpec {
  const tls = names.tlsSecret !== undefined;
  const k = config.kubernetes;
  const { client, admin, raft } = config.ports;
  const probe = (path: string, period: number) => ({
    httpGet: { path, port: "admin", ...(tls ? { scheme: "HTTPS" } : {}) },
    periodSeconds: period,
    timeoutSeconds: 3,
    failureThreshold: 3,
  });
  return {
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 10001,
      fsGroup: 10001,
      seccompProfile: { type: "RuntimeDefault" },
    },
    // Brokers drain before they stop; give the drain's first moves time to hand leadership over.
    terminationGracePeriodSeconds: 120,
    topologySpreadConstraints: [
      {
        maxSkew: 1,
        topologyKey: "topology.kubernetes.io/zone",
        whenUnsatisfiable: "ScheduleAnyway",
        labelSelector: { matchLabels: selectorLabels(name) },
      },
      {
        maxSkew: 1,
        topologyKey: "kubernetes.io/hostname",
        whenUnsatisfiable: "DoNotSchedule",
        labelSelector: { matchLabels: selectorLabels(name) },
      },
    ],
    containers: [
      {
        name: "broker",
        image: k.image,
        command: ["/bin/sh", "-c", entrypointScript(tls)],
        ports: [
          { name: "client", containerPort: client },
          { name: "admin", containerPort: admin },
          { name: "raft", containerPort: raft },
        ],
        env: [{ name: "STREAMBUS_HEADLESS_SERVICE", value: names.headless }],
        readinessProbe: probe("/health/ready", 10),
        livenessProbe: { ...probe("/health/live", 15), initialDelaySeconds: 30 },
        resources: { requests: k.resources.requests, limits: k.resources.limits },
        securityContext: {
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ["ALL"] },
        },
        volumeMounts: [
          { name: "data", mountPath: "/var/lib/streambus" },
          { name: "template", mountPath: "/etc/streambus-template", readOnly: true },
          { name: "etc", mountPath: "/etc/streambus" },
          { name: "admin-token", mountPath: BROKER_PATHS.adminToken, subPath: "token", readOnly: true },
          ...(tls ? [{ name: "tls", mountPath: TLS_MOUNT, readOnly: true }] : []),
        ],
      },
    ],
    volumes: [
      { name: "template", configMap: { name: names.configMap } },
      { name: "etc", emptyDir: {} },
      { name: "admin-token", secret: { secretName: names.tokenSecret, defaultMode: 0o440 } },
      ...(tls ? [{ name: "tls", secret: { secretName: names.tlsSecret, defaultMode: 0o440 } }] : []),
    ],
  };
}

/**
 * Who may reach the brokers: clients on the client port; the brokers themselves on every
 * port; the admin API only from the allowed namespaces (Prometheus scrapes `/metrics` there) and
 * CIDRs. Raft from brokers only.
 */
export function brokerNetworkPolicy(name: string, config: KubernetesStackConfig): NetworkPolicySpec {
  const { client, admin, raft } = config.ports;
  const access = config.kubernetes.adminAccess;
  const brokers = { podSelector: { matchLabels: selectorLabels(name) } };
  return {
    podSelector: { matchLabels: selectorLabels(name) },
    policyTypes: ["Ingress"],
    ingress: [
      { ports: [{ protocol: "TCP", port: client }] },
      { from: [brokers], ports: [admin, raft].map((port) => ({ protocol: "TCP", port })) },
      {
        from: [
          ...access.namespaces.map((ns) => ({
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } },
          })),
          ...access.cidrs.map((cidr) => ({ ipBlock: { cidr } })),
        ],
        ports: [{ protocol: "TCP", port: admin }],
      },
    ],
  };
}
