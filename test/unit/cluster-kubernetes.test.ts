import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { find, installRecordingMocks, isSecret, ofType, settle, unsecret, valueOf } from "./recording-mocks";

const { recorded, ready } = installRecordingMocks("k8s");
let program: typeof import("../../stacks/index.js").program;
let parseStackConfig: typeof import("../../stacks/config.js").parseStackConfig;
let cluster: typeof import("../../components/cluster.js");
let kubernetes: typeof import("../../components/kubernetes/index.js");
let outputs: Record<string, unknown>;

const kubeConfig = {
  platform: "kubernetes",
  brokers: 3,
  kubernetes: {
    namespace: "streambus-prod",
    image: "ghcr.io/streambus/broker:1.4.2",
    storageClass: "gp3",
    storageSize: "500GB",
    adminAccess: { namespaces: ["monitoring"], cidrs: ["10.20.0.0/24"] },
  },
};

beforeAll(async () => {
  await ready;
  ({ program, parseStackConfig } = await import("../../stacks/index.js"));
  cluster = await import("../../components/cluster.js");
  kubernetes = await import("../../components/kubernetes/index.js");
  pulumi.runtime.setAllConfig(
    {
      ...Object.fromEntries(
        Object.entries(kubeConfig).map(([k, v]) => [
          `streambus:${k}`,
          typeof v === "string" ? v : JSON.stringify(v),
        ]),
      ),
      "streambus:adminToken": "k8s-t0ken",
    },
    ["streambus:adminToken"],
  );
  outputs = await program();
  await settle(recorded);
});

type Spec = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const get = (type: string, name: string) => find(recorded, type, name).inputs as Spec;

describe("the kubernetes platform", () => {
  it("creates the namespace and a ConfigMap with the rendered config template", () => {
    expect(get("kubernetes:core/v1:Namespace", "streambus-namespace").metadata.name).toBe("streambus-prod");
    const configMap = get("kubernetes:core/v1:ConfigMap", "streambus-config");
    expect(configMap.metadata).toMatchObject({ name: "streambus-config", namespace: "streambus-prod" });
    expect(parse(configMap.data["broker.yaml"])).toMatchObject({
      broker: { id: "BROKER_ID" },
      storage: { data_dir: "/var/lib/streambus/data" },
    });
    // Retention is the ClusterConfig resource's, set live: a change of it rolls no pod.
    expect(configMap.data["broker.yaml"]).not.toMatch(/retention|compaction/);
  });

  it("keeps the admin token in a Secret, as a secret", () => {
    const secret = get("kubernetes:core/v1:Secret", "streambus-admin-token");
    expect(isSecret(secret.stringData)).toBe(true);
    expect(unsecret(secret.stringData)).toEqual({ token: "k8s-t0ken" });
  });

  it("runs the brokers in a StatefulSet with claims, probes and a hardened pod", () => {
    const sts = get("kubernetes:apps/v1:StatefulSet", "streambus-broker");
    expect(sts.metadata.name).toBe("streambus-broker");
    expect(sts.spec.replicas).toBe(3);
    expect(sts.spec.serviceName).toBe("streambus-brokers");
    expect(sts.spec.volumeClaimTemplates).toEqual([
      {
        metadata: { name: "data" },
        spec: {
          accessModes: ["ReadWriteOnce"],
          storageClassName: "gp3",
          resources: { requests: { storage: "500Gi" } },
        },
      },
    ]);
    const pod = sts.spec.template.spec;
    const [container] = pod.containers;
    expect(container.image).toBe("ghcr.io/streambus/broker:1.4.2");
    // TLS is on by default on kubernetes: the probes speak HTTPS too.
    expect(container.readinessProbe.httpGet).toEqual({
      path: "/health/ready",
      port: "admin",
      scheme: "HTTPS",
    });
    expect(container.livenessProbe.httpGet).toEqual({ path: "/health/live", port: "admin", scheme: "HTTPS" });
    expect(container.ports.map((p: Spec) => [p.name, p.containerPort])).toEqual([
      ["client", 9092],
      ["admin", 8080],
      ["raft", 9093],
    ]);
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(container.command[2]).toMatch(/--validate-config[\s\S]*exec streambus-broker/);
    expect(pod.topologySpreadConstraints[0].topologyKey).toBe("topology.kubernetes.io/zone");
    expect(sts.spec.template.metadata.annotations["streambus.io/config-hash"]).toMatch(/^[0-9a-f]{16}$/);
    // No wait for readiness (the join gate after it makes the pods ready), but a delete is waited
    // for; a replacement (the provider deletes a named StatefulSet first) orphans the pods.
    expect(sts.metadata.annotations).toEqual({
      "pulumi.com/waitFor": "jsonpath={.metadata.uid}",
      "pulumi.com/deletionPropagationPolicy": "orphan",
    });
  });

  it("serves the admin API over TLS: a certificate per broker for its pod's DNS name, in a secret Secret each pod takes its own from", async () => {
    const certs = ofType(recorded, "pulumi-nodejs:dynamic/streambus:BrokerCertificate").filter((c) =>
      c.name.startsWith("streambus-broker-"),
    );
    expect(certs.map((c) => c.name)).toEqual([
      "streambus-broker-1-tls",
      "streambus-broker-2-tls",
      "streambus-broker-3-tls",
    ]);
    expect(certs[1]!.inputs).toMatchObject({
      brokerId: 2,
      caCertificate: "CERTIFICATE(streambus-tls-ca)",
      dnsNames: [
        "streambus-broker-1.streambus-brokers.streambus-prod.svc.cluster.local",
        "streambus-brokers.streambus-prod.svc",
        "streambus-brokers.streambus-prod.svc.cluster.local",
        "localhost",
      ],
      ipAddresses: ["127.0.0.1"],
    });
    expect(isSecret(certs[1]!.inputs.caKey)).toBe(true);
    const secret = get("kubernetes:core/v1:Secret", "streambus-tls");
    expect(isSecret(secret.stringData)).toBe(true);
    expect(unsecret(secret.stringData)).toEqual({
      "ca.crt": "CERTIFICATE(streambus-tls-ca)",
      "broker-1.crt": "CERTIFICATE(streambus-broker-1-tls)",
      "broker-1.key": "PRIVATE-KEY(streambus-broker-1-tls)",
      "broker-2.crt": "CERTIFICATE(streambus-broker-2-tls)",
      "broker-2.key": "PRIVATE-KEY(streambus-broker-2-tls)",
      "broker-3.crt": "CERTIFICATE(streambus-broker-3-tls)",
      "broker-3.key": "PRIVATE-KEY(streambus-broker-3-tls)",
    });
    // No key anywhere but in that Secret.
    for (const r of recorded.filter((r) => r.name !== "streambus-tls" && r.type.startsWith("kubernetes:")))
      expect(JSON.stringify(r.inputs)).not.toContain("PRIVATE-KEY(");
    const sts = get("kubernetes:apps/v1:StatefulSet", "streambus-broker");
    const pod = sts.spec.template.spec;
    expect(pod.volumes).toContainEqual({
      name: "tls",
      secret: { secretName: "streambus-tls", defaultMode: 0o440 },
    });
    expect(pod.containers[0].volumeMounts).toContainEqual({
      name: "tls",
      mountPath: "/etc/streambus-tls",
      readOnly: true,
    });
    const script = pod.containers[0].command[2] as string;
    expect(script).toContain('cp "/etc/streambus-tls/broker-$id.crt" /etc/streambus/tls/broker.crt');
    expect(script).toContain(
      '(umask 077; cp "/etc/streambus-tls/broker-$id.key" /etc/streambus/tls/broker.key)',
    );
    expect(script.indexOf("/etc/streambus/tls/ca.crt")).toBeLessThan(script.indexOf("--validate-config"));
    expect(sts.spec.template.metadata.annotations["streambus.io/tls-hash"]).toMatch(/^[0-9a-f]{16}$/);
    const configMap = get("kubernetes:core/v1:ConfigMap", "streambus-config");
    expect(parse(configMap.data["broker.yaml"]).admin.tls).toEqual({
      cert_file: "/etc/streambus/tls/broker.crt",
      key_file: "/etc/streambus/tls/broker.key",
      ca_file: "/etc/streambus/tls/ca.crt",
    });
    // Both membership gates trust the CA; the stack outputs it.
    for (const gate of ["streambus-membership-drain", "streambus-membership-join"])
      expect(
        find(recorded, "pulumi-nodejs:dynamic/streambus:ClusterMembership", gate).inputs.caCertificate,
      ).toBe("CERTIFICATE(streambus-tls-ca)");
    expect(await valueOf(outputs.caCertificate as pulumi.Output<string>)).toBe(
      "CERTIFICATE(streambus-tls-ca)",
    );
  });

  it("has a headless Service that publishes unready pods, and a client Service", () => {
    const headless = get("kubernetes:core/v1:Service", "streambus-brokers");
    expect(headless.spec).toMatchObject({ clusterIP: "None", publishNotReadyAddresses: true });
    const client = get("kubernetes:core/v1:Service", "streambus-client");
    expect(client.spec.ports).toEqual([{ name: "client", port: 9092, targetPort: "client" }]);
  });

  it("allows one broker down at a time and fences the admin and Raft ports", () => {
    expect(get("kubernetes:policy/v1:PodDisruptionBudget", "streambus-pdb").spec.maxUnavailable).toBe(1);
    const policy = get("kubernetes:networking.k8s.io/v1:NetworkPolicy", "streambus-admin").spec;
    const rulesFor = (port: number) =>
      policy.ingress.filter((r: Spec) => r.ports.some((p: Spec) => p.port === port));
    expect(rulesFor(9092)).toEqual([{ ports: [{ protocol: "TCP", port: 9092 }] }]);
    const adminFrom = rulesFor(8080).flatMap((r: Spec) => r.from);
    expect(adminFrom).toEqual([
      { podSelector: { matchLabels: kubernetes.selectorLabels("streambus") } },
      { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } },
      { ipBlock: { cidr: "10.20.0.0/24" } },
    ]);
    expect(rulesFor(9093).flatMap((r: Spec) => r.from)).toEqual([
      { podSelector: { matchLabels: kubernetes.selectorLabels("streambus") } },
    ]);
  });

  it("scrapes /metrics with a ServiceMonitor and emits the six rules as a PrometheusRule", () => {
    const monitor = get("kubernetes:monitoring.coreos.com/v1:ServiceMonitor", "streambus-metrics");
    expect(monitor.spec.endpoints).toEqual([
      {
        port: "admin",
        path: "/metrics",
        interval: "30s",
        scheme: "https",
        // Prometheus scrapes pod IPs: it checks the headless Service's name, which every certificate holds.
        tlsConfig: {
          ca: { secret: { name: "streambus-tls", key: "ca.crt" } },
          serverName: "streambus-brokers.streambus-prod.svc",
        },
      },
    ]);
    expect(monitor.metadata.labels.release).toBe("prometheus");
    const rule = get("kubernetes:monitoring.coreos.com/v1:PrometheusRule", "streambus-alerts");
    expect(rule.spec.groups[0].rules.map((r: Spec) => r.alert)).toEqual([
      "BrokerDown",
      "NoQuorum",
      "ReplicationBehind",
      "HighLatency",
      "DiskSpaceLow",
      "HighErrorRate",
    ]);
  });

  it("ships the dashboard in a ConfigMap the Grafana sidecar picks up", () => {
    const dashboard = get("kubernetes:core/v1:ConfigMap", "streambus-dashboard");
    expect(dashboard.metadata.labels.grafana_dashboard).toBe("1");
    expect(JSON.parse(dashboard.data["streambus.json"]).panels).toHaveLength(7);
  });

  it("exposes each broker's pod DNS name", async () => {
    expect(await valueOf(outputs.adminUrls as pulumi.Output<Record<string, string>>)).toEqual({
      "1": "https://streambus-broker-0.streambus-brokers.streambus-prod.svc.cluster.local:8080",
      "2": "https://streambus-broker-1.streambus-brokers.streambus-prod.svc.cluster.local:8080",
      "3": "https://streambus-broker-2.streambus-brokers.streambus-prod.svc.cluster.local:8080",
    });
    expect(ofType(recorded, "aws:ec2/instance:Instance")).toEqual([]);
  });

  it("rolls the pods when a static setting of the config changes", async () => {
    const provision = await cluster.loadPlatform("kubernetes");
    const make = (name: string, client: number) =>
      new cluster.StreamBusCluster(name, {
        config: parseStackConfig({ ...kubeConfig, adminToken: "x", ports: { client } }),
        provision,
      });
    const a = make("kA", 9092);
    const b = make("kB", 9094);
    await valueOf(pulumi.all([a.urn, b.urn]));
    await settle(recorded);
    const hash = (name: string) =>
      get("kubernetes:apps/v1:StatefulSet", `${name}-broker`).spec.template.metadata.annotations[
        "streambus.io/config-hash"
      ];
    expect(hash("kA")).not.toBe(hash("kB"));
    expect(get("kubernetes:core/v1:ConfigMap", "kB-config").data["broker.yaml"]).toContain(
      "client: 0.0.0.0:9094",
    );
  });

  it("refuses broker ids a StatefulSet cannot have", () => {
    expect(() => kubernetes.assertContiguousBrokerIds([1, 2, 4])).toThrow(
      "brokers must be contiguous from 1 on kubernetes (a StatefulSet removes the highest ordinal): got [1, 2, 4]",
    );
    expect(() => kubernetes.assertContiguousBrokerIds([1, 2, 3])).not.toThrow();
  });
});
