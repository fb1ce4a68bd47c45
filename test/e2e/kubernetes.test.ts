import type { ConfigMap } from "@pulumi/pulumi/automation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestSim } from "../integration/helpers/sim";
import type { KubeList, KubeObject } from "../kube/api";
import { PodBridge } from "../kube/bridge";
import {
  CONTROL_PLANE_COMMANDS,
  conditionTrue,
  requireCommands,
  startControlPlane,
  type ControlPlane,
} from "../kube/control-plane";
import { createE2EStack, type E2EStack } from "./harness";
import {
  TOKEN,
  eventIndex,
  expectIntact,
  membersIn,
  startEmptySim,
  upWithOutput,
} from "./membership-helpers";

const NS = "streambus-e2e";
const STS = "streambus-broker";

/**
 * The kubernetes platform through `pulumi up` against a real API server (etcd, kube-apiserver,
 * kube-controller-manager, kube-scheduler, kwok: test/kube/control-plane.ts) with the real Pulumi
 * kubernetes provider. The pod bridge (test/kube/bridge.ts) plays the brokers' containers on the
 * emulator; the stack's admin endpoints point at the emulator's brokers. Steps run in order on one
 * stack, each followed by the emulator's integrity report.
 */
describe("the kubernetes platform against a real API server", () => {
  let cp: ControlPlane;
  let t: TestSim;
  let e2e: E2EStack;
  let bridge: PodBridge;
  const config = (brokers: number, kubernetes: Record<string, unknown> = {}): ConfigMap => ({
    "streambus:platform": { value: "kubernetes" },
    "streambus:adminToken": { value: TOKEN, secret: true },
    "streambus:brokers": { value: String(brokers) },
    "streambus:adminEndpoints": {
      value: JSON.stringify(
        Object.fromEntries(
          Array.from({ length: brokers }, (_, i) => [String(i + 1), t.sim.brokerUrl(i + 1)]),
        ),
      ),
    },
    "streambus:kubernetes": {
      value: JSON.stringify({
        namespace: NS,
        image: "ghcr.io/streambus/broker:1.4.2",
        storageSize: "1GB",
        resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } },
        ...kubernetes,
      }),
    },
    // The emulator's brokers serve plain HTTP here (TLS, on by default on kubernetes, is tested under mocks).
    "streambus:tls": { value: JSON.stringify({ enabled: false }) },
    "streambus:rebalance": {
      value: JSON.stringify({ throttle: "64MB/s", maxConcurrentMoves: 6, timeout: "5m" }),
    },
  });
  const list = async (path: string) => (await cp.api.get<KubeList>(path)).items;
  const pods = async () =>
    (await list(`/api/v1/namespaces/${NS}/pods`)).filter((p) => p.metadata.deletionTimestamp === undefined);
  const readyPods = async () =>
    (await pods())
      .filter((p) => conditionTrue(p, "Ready"))
      .map((p) => p.metadata.name)
      .sort();
  const podNames = (n: number) => Array.from({ length: n }, (_, i) => `${STS}-${i}`);

  beforeAll(async () => {
    // A missing piece fails here, naming the script that builds it: never a silent skip.
    requireCommands([...CONTROL_PLANE_COMMANDS, "pulumi-resource-kubernetes"]);
    cp = await startControlPlane();
    // The provider reads the kubeconfig from the environment: no credential in the stack's config.
    process.env.KUBECONFIG = cp.kubeconfig;
    t = await startEmptySim();
    e2e = await createE2EStack("kube");
    bridge = new PodBridge(cp.api, t, { namespace: NS, statefulSet: STS });
    bridge.start();
  }, 180_000);
  afterAll(async () => {
    await bridge?.stop();
    try {
      await e2e?.cleanup();
    } finally {
      await cp?.stop();
      await t?.stop();
    }
  }, 300_000);

  it("from nothing to 3 brokers: every object the component makes is accepted, the pods run and the brokers join", async () => {
    await e2e.stack.setAllConfig(config(3));
    const up = await upWithOutput(e2e);
    expect(up.ok, up.text).toBe(true);

    const sts = await cp.api.get(`/apis/apps/v1/namespaces/${NS}/statefulsets/${STS}`);
    expect(sts.spec?.replicas).toBe(3);
    const headless = await cp.api.get(`/api/v1/namespaces/${NS}/services/streambus-brokers`);
    expect(headless.spec?.clusterIP).toBe("None");
    expect(await cp.api.find(`/api/v1/namespaces/${NS}/services/streambus-client`)).toBeDefined();
    const cm = await cp.api.get(`/api/v1/namespaces/${NS}/configmaps/streambus-config`);
    expect(cm.data?.["broker.yaml"]).toContain("BROKER_ID");
    expect(await cp.api.find(`/api/v1/namespaces/${NS}/configmaps/streambus-dashboard`)).toBeDefined();
    expect(await cp.api.find(`/api/v1/namespaces/${NS}/secrets/streambus-admin-token`)).toBeDefined();
    expect(
      await cp.api.find(`/apis/policy/v1/namespaces/${NS}/poddisruptionbudgets/streambus-pdb`),
    ).toBeDefined();
    const policy = await cp.api.get(
      `/apis/networking.k8s.io/v1/namespaces/${NS}/networkpolicies/streambus-admin`,
    );
    expect(policy.spec?.policyTypes).toEqual(["Ingress"]);
    // The custom resources kept every field (a field their CRD does not know would be pruned).
    const monitor = await cp.api.get(
      `/apis/monitoring.coreos.com/v1/namespaces/${NS}/servicemonitors/streambus-metrics`,
    );
    expect(monitor.spec).toMatchObject({
      jobLabel: "streambus.io/job",
      endpoints: [{ port: "admin", path: "/metrics", interval: "30s" }],
    });
    const rule = await cp.api.get<
      KubeObject & { spec: { groups: Array<{ rules: Array<Record<string, unknown>> }> } }
    >(`/apis/monitoring.coreos.com/v1/namespaces/${NS}/prometheusrules/streambus-alerts`);
    expect(rule.spec.groups[0]?.rules.length).toBeGreaterThanOrEqual(6);
    expect(
      rule.spec.groups[0]?.rules.every((r) => typeof r.expr === "string" && typeof r.alert === "string"),
    ).toBe(true);

    // The scheduler placed the pods (one per zone), kwok ran them, the bridge made the brokers, and
    // the pods turned ready once their brokers had joined.
    await expect.poll(readyPods, { timeout: 30_000, interval: 250 }).toEqual(podNames(3));
    expect(await membersIn(t)).toEqual([1, 2, 3]);
    expect(await t.machines()).toEqual([1, 2, 3]);
    const zones = new Set((await pods()).map((p) => p.spec?.nodeName));
    expect(zones.size).toBe(3);
    // The disruption controller counts the ready brokers: one may go at a time.
    await expect
      .poll(
        async () =>
          (await cp.api.get(`/apis/policy/v1/namespaces/${NS}/poddisruptionbudgets/streambus-pdb`)).status,
        {
          timeout: 30_000,
        },
      )
      .toMatchObject({ currentHealthy: 3, disruptionsAllowed: 1 });

    // The admin token reached the brokers (the emulator refuses calls without it) and is nowhere in
    // clear: not in the state, not in the output, not base64-encoded as the Secret's data.
    const state = await e2e.readStateFile();
    expect(state).toContain("kubernetes:apps/v1:StatefulSet");
    for (const secret of [TOKEN, Buffer.from(TOKEN).toString("base64"), cp.token]) {
      expect(state).not.toContain(secret);
      expect(up.text).not.toContain(secret);
    }
    expect(bridge.errors).toEqual([]);
    await expectIntact(t);
  }, 300_000);

  it("3 → 5: the StatefulSet grows first, then the new brokers join and the data rebalances", async () => {
    await e2e.stack.setAllConfig(config(5));
    const up = await upWithOutput(e2e);
    expect(up.ok, up.text).toBe(true);
    expect(await membersIn(t)).toEqual([1, 2, 3, 4, 5]);
    await expect.poll(readyPods, { timeout: 30_000, interval: 250 }).toEqual(podNames(5));
    // The join gate's update ran after the StatefulSet's: the pods of 4 and 5 came first.
    const grown = eventIndex(up.events, "outputs", "update", `::${STS}`);
    const joined = eventIndex(up.events, "pre", "update", "::streambus-membership-join");
    expect(grown).toBeGreaterThanOrEqual(0);
    expect(joined).toBeGreaterThan(grown);
    for (const broker of [4, 5]) {
      const [provisioned] = bridge.eventsOf(broker, "provisioned");
      expect(provisioned?.memberState ?? null).toBeNull(); // no member yet when its pod started
    }
    const held = await t.cluster({ token: TOKEN }, [1, 2, 3, 4, 5]).admin.brokerPartitions(5);
    expect(held.count).toBeGreaterThan(0);
    expect(bridge.errors).toEqual([]);
    await expectIntact(t);
  }, 300_000);

  it("5 → 3: brokers 5 and 4 are drained and gone from the cluster before their pods are deleted", async () => {
    await e2e.stack.setAllConfig(config(3));
    const up = await upWithOutput(e2e);
    expect(up.ok, up.text).toBe(true);
    expect(await membersIn(t)).toEqual([1, 2, 3]);
    // The drain gate's update ended before the StatefulSet's began.
    const drained = eventIndex(up.events, "outputs", "update", "::streambus-membership-drain");
    const shrunk = eventIndex(up.events, "pre", "update", `::${STS}`);
    expect(drained).toBeGreaterThanOrEqual(0);
    expect(shrunk).toBeGreaterThan(drained);
    // What the bridge saw: each pod's deletion came after its broker had left the cluster, and
    // the machine went after the pod.
    // kwok deletes a terminating pod within seconds; on a loaded machine it has taken over 30 s.
    await expect.poll(() => t.machines(), { timeout: 120_000, interval: 500 }).toEqual([1, 2, 3]);
    for (const broker of [4, 5]) {
      const terminating = bridge.eventsOf(broker, "pod-terminating");
      expect(terminating).toHaveLength(1);
      expect(["left", null]).toContain(terminating[0]!.memberState);
      const gone = bridge.eventsOf(broker, "deprovisioned");
      expect(gone).toHaveLength(1);
      expect(gone[0]!.at).toBeGreaterThanOrEqual(terminating[0]!.at);
    }
    expect(await readyPods()).toEqual(podNames(3));
    expect(bridge.errors).toEqual([]);
    await expectIntact(t);
  }, 300_000);

  it("an immutable change (the data volume's size) replaces the StatefulSet without deleting a broker", async () => {
    const uids = async () => (await pods()).map((p) => `${p.metadata.name}/${p.metadata.uid}`).sort();
    const podsBefore = await uids();
    const oldSts = await cp.api.get(`/apis/apps/v1/namespaces/${NS}/statefulsets/${STS}`);
    const eventsBefore = bridge.events.length;
    await e2e.stack.setAllConfig(config(3, { storageSize: "2GB" }));

    // The plan: the provider must delete a named StatefulSet before it can make the new one, so the
    // old one goes first, and its deletion orphans the pods (the brokers) instead of deleting them.
    const steps: Array<{ op: string; urn: string; annotations?: Record<string, string> }> = [];
    await e2e.stack.preview({
      onEvent: (e) => {
        const m = e.resourcePreEvent?.metadata;
        if (m && m.op !== "same") {
          const old = m.old?.inputs as { metadata?: { annotations?: Record<string, string> } } | undefined;
          steps.push({ op: m.op, urn: m.urn, annotations: old?.metadata?.annotations });
        }
      },
    });
    const stsSteps = steps.filter((s) => s.urn.endsWith(`::${STS}`));
    const ops = stsSteps.map((s) => s.op);
    expect(ops).toContain("create-replacement");
    expect(ops.indexOf("delete-replaced")).toBeGreaterThanOrEqual(0);
    expect(ops.indexOf("delete-replaced")).toBeLessThan(ops.indexOf("create-replacement"));
    const deleted = stsSteps.find((s) => s.op === "delete-replaced");
    expect(deleted?.annotations?.["pulumi.com/deletionPropagationPolicy"]).toBe("orphan");
    // Nothing else is replaced or deleted (the membership gates, the Services, the claims' data).
    expect(steps.filter((s) => !s.urn.endsWith(`::${STS}`) && s.op !== "update")).toEqual([]);

    const up = await upWithOutput(e2e);
    expect(up.ok, up.text).toBe(true);
    const newSts = await cp.api.get<
      KubeObject & {
        spec: { volumeClaimTemplates: Array<{ spec: { resources: { requests: { storage: string } } } }> };
      }
    >(`/apis/apps/v1/namespaces/${NS}/statefulsets/${STS}`);
    expect(newSts.metadata.uid).not.toBe(oldSts.metadata.uid);
    expect(newSts.spec.volumeClaimTemplates[0]?.spec.resources.requests.storage).toBe("2Gi");
    // The same pods, adopted by the new StatefulSet; no broker stopped, every one still a member.
    expect(await uids()).toEqual(podsBefore);
    await expect
      .poll(async () => (await pods()).map((p) => p.metadata.ownerReferences?.[0]?.uid), { timeout: 30_000 })
      .toEqual([newSts.metadata.uid, newSts.metadata.uid, newSts.metadata.uid]);
    expect(bridge.events.slice(eventsBefore).filter((e) => e.broker <= 3 && e.kind !== "ready")).toEqual([]);
    expect(await membersIn(t)).toEqual([1, 2, 3]);
    expect(await readyPods()).toEqual(podNames(3));
    expect(bridge.errors).toEqual([]);
    await expectIntact(t);
  }, 300_000);
});
