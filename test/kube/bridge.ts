/**
 * The pod bridge: plays the brokers' containers for the kubernetes end-to-end tests. kwok runs the
 * pods without a kubelet; for each broker pod it starts, the bridge provisions the emulator's
 * broker of that ordinal (pod `-0` is broker 1, as the entrypoint counts), with the ConfigMap's
 * config and the node's zone as its rack, and reports the pod's readiness from the broker's
 * `/health/ready`, as the readiness probe would. A deleted pod stops its broker (SIGTERM); a pod
 * gone for good (its ordinal above the StatefulSet's replicas) deprovisions the broker's machine,
 * as a scaled-down StatefulSet leaves nothing running. Every step is recorded, with the broker's
 * member state at that moment, so the tests can check the order.
 */
import { BROKER_ID_PLACEHOLDER } from "../../components/broker-config";
import { SimBrokersResponse } from "../../sim";
import type { TestSim } from "../integration/helpers/sim";
import type { KubeApi, KubeList, KubeObject } from "./api";
import { NODES, conditionTrue } from "./control-plane";

/** What the bridge did, and the broker's member state (emulator) when it did it. */
export interface BridgeEvent {
  at: number;
  kind: "provisioned" | "started" | "pod-terminating" | "stopped" | "deprovisioned" | "ready" | "not-ready";
  pod: string;
  broker: number;
  memberState: string | null;
}

interface PodStatus {
  phase?: string;
  conditions?: Array<{ type: string; status: string }>;
  containerStatuses?: Array<{ name: string }>;
}

/** Plays the containers of one StatefulSet's pods. */
export class PodBridge {
  /** Everything the bridge did, in order. */
  readonly events: BridgeEvent[] = [];
  /** The last error of each kind a sync met (the loop goes on: the tests assert on this). */
  readonly errors: string[] = [];
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly terminating = new Set<string>();

  constructor(
    private readonly api: KubeApi,
    private readonly t: TestSim,
    private readonly target: { namespace: string; statefulSet: string; intervalMs?: number },
  ) {}

  /** Starts syncing every `intervalMs` (default 150 ms). */
  start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        await this.sync().catch((error: unknown) => this.error(String(error)));
        await new Promise((r) => setTimeout(r, this.target.intervalMs ?? 150));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** The events of `broker`, of `kind` if given. */
  eventsOf(broker: number, kind?: BridgeEvent["kind"]): BridgeEvent[] {
    return this.events.filter((e) => e.broker === broker && (kind === undefined || e.kind === kind));
  }

  /** One pass: pods → the emulator's machines, brokers' readiness → pods. */
  async sync(): Promise<void> {
    const { namespace, statefulSet } = this.target;
    const pods = await this.api.get<KubeList>(
      `/api/v1/namespaces/${namespace}/pods?labelSelector=${encodeURIComponent("app.kubernetes.io/name=streambus")}`,
    );
    const sts = await this.api.find(`/apis/apps/v1/namespaces/${namespace}/statefulsets/${statefulSet}`);
    const replicas = sts ? Number(sts.spec?.replicas ?? 0) : 0;
    const machines = new Map(
      SimBrokersResponse.parse(await this.t.control("GET", "/sim/brokers")).brokers.map((m) => [
        m.broker_id,
        m,
      ]),
    );
    const seen = new Set<number>();
    for (const pod of pods.items) {
      const ordinal = Number(/-(\d+)$/.exec(pod.metadata.name)?.[1]);
      if (!pod.metadata.name.startsWith(`${statefulSet}-`) || !Number.isInteger(ordinal)) continue;
      const broker = ordinal + 1;
      seen.add(broker);
      const machine = machines.get(broker);
      const record = (kind: BridgeEvent["kind"]) =>
        this.events.push({
          at: Date.now(),
          kind,
          pod: pod.metadata.name,
          broker,
          memberState: machine?.member_state ?? null,
        });
      if (pod.metadata.deletionTimestamp !== undefined) {
        const key = pod.metadata.uid ?? pod.metadata.name;
        if (!this.terminating.has(key)) {
          this.terminating.add(key);
          record("pod-terminating");
        }
        if (machine?.running) {
          await this.t.stopBroker(broker);
          record("stopped");
        }
        continue;
      }
      if ((pod.status as PodStatus | undefined)?.phase !== "Running") continue;
      if (machine === undefined) {
        await this.t.control("POST", "/sim/brokers", {
          broker_id: broker,
          rack: NODES.find((n) => n.name === pod.spec?.nodeName)?.zone ?? null,
          config: await this.brokerConfig(pod, broker),
        });
        record("provisioned");
        continue; // readiness from the next pass, once it serves
      }
      if (!machine.running) {
        await this.t.startBroker(broker);
        record("started");
        continue;
      }
      const ready = await fetch(`${this.t.sim.brokerUrl(broker)}/health/ready`, {
        signal: AbortSignal.timeout(2_000),
      })
        .then((r) => r.ok)
        .catch(() => false);
      if (ready !== conditionTrue(pod, "Ready")) {
        await this.setReady(pod, ready);
        record(ready ? "ready" : "not-ready");
      }
    }
    // A machine without its pod: the pod went. Above the replicas it is gone for good.
    for (const [broker, machine] of machines) {
      if (seen.has(broker)) continue;
      const record = (kind: BridgeEvent["kind"]) =>
        this.events.push({
          at: Date.now(),
          kind,
          pod: `${statefulSet}-${broker - 1}`,
          broker,
          memberState: machine.member_state,
        });
      if (broker > replicas) {
        await this.t.control("DELETE", `/sim/brokers/${broker}`);
        record("deprovisioned");
      } else if (machine.running) {
        await this.t.stopBroker(broker);
        record("stopped");
      }
    }
  }

  /** The broker's config as the entrypoint makes it: the ConfigMap's template with its id. */
  private async brokerConfig(pod: KubeObject, broker: number): Promise<string | undefined> {
    const volumes = (pod.spec?.volumes ?? []) as Array<{ name: string; configMap?: { name: string } }>;
    const name = volumes.find((v) => v.name === "template")?.configMap?.name;
    if (name === undefined) return undefined;
    const cm = await this.api.get(`/api/v1/namespaces/${this.target.namespace}/configmaps/${name}`);
    // `sed "s/BROKER_ID/$id/"`: the first on each line.
    return cm.data?.["broker.yaml"]
      ?.split("\n")
      .map((line) => line.replace(BROKER_ID_PLACEHOLDER, String(broker)))
      .join("\n");
  }

  /** What the kubelet writes when a readiness probe changes its answer. */
  private async setReady(pod: KubeObject, ready: boolean): Promise<void> {
    const now = new Date().toISOString();
    const status = ready ? "True" : "False";
    const reason = ready ? null : "ContainersNotReady"; // null removes kwok's reason (a merge patch)
    const containers = ((pod.status as PodStatus | undefined)?.containerStatuses ?? []).map((c) => ({
      name: c.name,
      ready,
    }));
    await this.api.patch(`/api/v1/namespaces/${this.target.namespace}/pods/${pod.metadata.name}/status`, {
      status: {
        conditions: [
          { type: "Ready", status, lastTransitionTime: now, reason },
          { type: "ContainersReady", status, lastTransitionTime: now, reason },
        ],
        containerStatuses: containers,
      },
    });
  }

  private error(message: string): void {
    if (this.errors.at(-1) !== message) this.errors.push(message);
    if (this.errors.length > 50) this.errors.shift();
  }
}
