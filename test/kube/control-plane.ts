/**
 * A real Kubernetes control plane on loopback for the kubernetes platform's end-to-end tests:
 * etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok (nodes and pods without
 * a kubelet), each a process of its own, stopped by its pid. scripts/kubernetes.sh builds them
 * (`make test-servers`); a missing one fails the test that needs it, naming the script.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { findFreeRange } from "../../sim";
import { KubeApi, type KubeList, type KubeObject } from "./api";
import { prometheusRuleCrd, serviceMonitorCrd } from "./monitoring-crds";

/** The commands the control plane runs, from PATH (scripts/env.sh puts .streambus/bin first). */
export const CONTROL_PLANE_COMMANDS = [
  "etcd",
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
  "kwok",
] as const;

/** The kwok nodes: one per zone, room for every broker's requests. */
export const NODES = [
  { name: "kwok-node-a", zone: "zone-a" },
  { name: "kwok-node-b", zone: "zone-b" },
  { name: "kwok-node-c", zone: "zone-c" },
];

/** A running control plane. */
export interface ControlPlane {
  /** `https://127.0.0.1:PORT`. */
  server: string;
  /** A kubeconfig file for it (admin token, the server's CA): KUBECONFIG for pulumi. */
  kubeconfig: string;
  /** A client with the admin token. */
  api: KubeApi;
  /** The admin's bearer token (in the kubeconfig file only; never in the stack's state). */
  token: string;
  /** The folder with its data, certificates and each process's log. */
  dir: string;
  /** The pid of each process, by command. */
  pids: Record<string, number>;
  /** Stops every process by its pid (SIGTERM, then SIGKILL after 10 s) and removes `dir`. */
  stop(): Promise<void>;
}

/** The path of `command` on PATH, or undefined. */
export function findCommand(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir && existsSync(join(dir, command))) return join(dir, command);
  }
  return undefined;
}

/** Throws, naming the script to run, when a command the control plane needs is missing. */
export function requireCommands(commands: readonly string[]): void {
  const missing = commands.filter((c) => findCommand(c) === undefined);
  if (missing.length > 0) {
    throw new Error(
      `${missing.join(", ")} not on PATH: run scripts/kubernetes.sh (\`make test-servers\`) to build them, then \`source scripts/env.sh\``,
    );
  }
}

interface Started {
  child: ChildProcess;
  exited: Promise<void>;
}

/** Polls `check` every 200 ms until it resolves true; fails after `ms`, naming `what` and a log. */
async function until(what: string, ms: number, check: () => Promise<boolean>, log?: string): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) {
      const tail = log && existsSync(log) ? readFileSync(log, "utf8").split("\n").slice(-25).join("\n") : "";
      throw new Error(
        `timed out after ${ms} ms waiting for ${what}${tail ? `; its log ends:\n${tail}` : ""}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Starts the control plane, installs the monitoring CRDs and 3 kwok nodes, and waits until they are ready. */
export async function startControlPlane(): Promise<ControlPlane> {
  requireCommands(CONTROL_PLANE_COMMANDS);
  const dir = mkdtempSync(join(tmpdir(), "streambus-kube-"));
  const processes = new Map<string, Started>();
  const token = randomBytes(24).toString("hex");
  const base = await findFreeRange(5);
  const ports = { etcd: base, etcdPeer: base + 1, apiserver: base + 2, kcm: base + 3, scheduler: base + 4 };
  const server = `https://127.0.0.1:${ports.apiserver}`;
  const logOf = (command: string) => join(dir, `${command}.log`);

  const start = (command: string, args: string[]) => {
    const fd = openSync(logOf(command), "a");
    const child = spawn(command, args, { cwd: dir, stdio: ["ignore", fd, fd] });
    closeSync(fd);
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.once("error", () => undefined);
    processes.set(command, { child, exited });
  };

  // Stopped by pid when the tests end; also when this process exits without calling stop().
  const killAll = () => {
    for (const { child } of processes.values()) {
      if (child.exitCode === null && child.pid !== undefined) {
        try {
          process.kill(child.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    }
  };
  process.once("exit", killAll);

  const stop = async () => {
    await Promise.all(
      [...processes.values()].map(async ({ child, exited }) => {
        if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
        process.kill(child.pid, "SIGTERM");
        const timer = setTimeout(() => {
          if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, "SIGKILL");
        }, 10_000);
        await exited;
        clearTimeout(timer);
      }),
    );
    process.removeListener("exit", killAll);
    await api.close();
    if (!process.env.STREAMBUS_KEEP_KUBE_DIR) rmSync(dir, { recursive: true, force: true });
  };

  // The API server's client CA is its own self-signed serving certificate, read once it exists.
  let api = new KubeApi(server, token, "");
  try {
    start("etcd", [
      "--name=streambus-test",
      `--data-dir=${join(dir, "etcd")}`,
      `--listen-client-urls=http://127.0.0.1:${ports.etcd}`,
      `--advertise-client-urls=http://127.0.0.1:${ports.etcd}`,
      `--listen-peer-urls=http://127.0.0.1:${ports.etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${ports.etcdPeer}`,
      `--initial-cluster=streambus-test=http://127.0.0.1:${ports.etcdPeer}`,
    ]);
    await until(
      "etcd",
      30_000,
      async () => (await fetch(`http://127.0.0.1:${ports.etcd}/health`)).ok,
      logOf("etcd"),
    );

    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    writeFileSync(join(dir, "sa.key"), privateKey.export({ type: "pkcs1", format: "pem" }));
    writeFileSync(join(dir, "sa.pub"), publicKey.export({ type: "spki", format: "pem" }));
    writeFileSync(join(dir, "tokens.csv"), `${token},streambus-admin,streambus-admin,system:masters\n`, {
      mode: 0o600,
    });
    start("kube-apiserver", [
      `--etcd-servers=http://127.0.0.1:${ports.etcd}`,
      // Loopback only: without the last two it advertises (and reconciles) another address.
      "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1",
      "--endpoint-reconciler-type=none",
      `--secure-port=${ports.apiserver}`,
      `--cert-dir=${join(dir, "pki")}`,
      `--token-auth-file=${join(dir, "tokens.csv")}`,
      "--authorization-mode=RBAC",
      `--service-account-key-file=${join(dir, "sa.pub")}`,
      `--service-account-signing-key-file=${join(dir, "sa.key")}`,
      "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
      "--service-cluster-ip-range=10.96.0.0/16",
    ]);
    const caFile = join(dir, "pki", "apiserver.crt");
    await until(
      "kube-apiserver's certificate",
      60_000,
      async () => existsSync(caFile),
      logOf("kube-apiserver"),
    );
    api = new KubeApi(server, token, readFileSync(caFile, "utf8"));
    await until(
      "kube-apiserver /readyz",
      90_000,
      async () => (await api.get<string>("/readyz")) === "ok",
      logOf("kube-apiserver"),
    );

    const kubeconfig = join(dir, "kubeconfig.json");
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: "streambus-test", cluster: { server, "certificate-authority": caFile } }],
        users: [{ name: "streambus-admin", user: { token } }],
        contexts: [
          { name: "streambus-test", context: { cluster: "streambus-test", user: "streambus-admin" } },
        ],
        "current-context": "streambus-test",
      }),
      { mode: 0o600 },
    );

    // The controllers and the scheduler serve their own health on loopback ports of ours.
    const serving = (port: number, name: string) => [
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${port}`,
      `--cert-dir=${join(dir, name)}`,
      "--leader-elect=false",
    ];
    start("kube-controller-manager", [
      ...serving(ports.kcm, "kcm"),
      `--service-account-private-key-file=${join(dir, "sa.key")}`,
      `--root-ca-file=${caFile}`,
      "--use-service-account-credentials=false",
    ]);
    start("kube-scheduler", serving(ports.scheduler, "scheduler"));

    await installFixtures(api);
    start("kwok", [
      `--kubeconfig=${kubeconfig}`,
      `--config=${join(__dirname, "kwok-stages.yaml")}`,
      "--manage-all-nodes=false",
      "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
      // Addresses written into the pods' and nodes' status only: nothing connects to them.
      "--cidr=10.244.0.1/16",
      "--node-ip=10.240.0.1",
    ]);
    await until(
      "3 ready kwok nodes",
      60_000,
      async () => {
        const nodes = await api.get<KubeList>("/api/v1/nodes");
        return nodes.items.filter((n) => conditionTrue(n, "Ready")).length === NODES.length;
      },
      logOf("kwok"),
    );
    // The namespace controller and the service-account controller are running when "default" has its account.
    await until(
      "kube-controller-manager's service accounts",
      60_000,
      async () => (await api.find("/api/v1/namespaces/default/serviceaccounts/default")) !== undefined,
      logOf("kube-controller-manager"),
    );
    for (const [command, { child }] of processes) {
      if (child.exitCode !== null)
        throw new Error(`${command} exited (${child.exitCode}): see ${logOf(command)}`);
    }
    return {
      server,
      kubeconfig,
      api,
      token,
      dir,
      pids: Object.fromEntries([...processes].map(([c, { child }]) => [c, child.pid ?? -1])),
      stop,
    };
  } catch (error) {
    process.env.STREAMBUS_KEEP_KUBE_DIR = "1"; // keep the logs the error names
    await stop().catch(() => undefined);
    throw error;
  }
}

/** Whether `obj` has a status condition `type` that is "True". */
export function conditionTrue(obj: KubeObject, type: string): boolean {
  const conditions = (obj.status?.conditions ?? []) as Array<{ type: string; status: string }>;
  return conditions.some((c) => c.type === type && c.status === "True");
}

/**
 * What the cluster must have before the stack: the monitoring CRDs (prometheus-operator's, cut
 * down), kwok's nodes (one per zone) and volumes for the brokers' claims (no provisioner runs).
 */
async function installFixtures(api: KubeApi): Promise<void> {
  for (const crd of [serviceMonitorCrd, prometheusRuleCrd]) {
    await api.create("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
  }
  for (const node of NODES) {
    await api.create("/api/v1/nodes", {
      apiVersion: "v1",
      kind: "Node",
      metadata: {
        name: node.name,
        annotations: { "kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0" },
        labels: {
          "kubernetes.io/hostname": node.name,
          "kubernetes.io/os": "linux",
          "kubernetes.io/arch": "amd64",
          "topology.kubernetes.io/zone": node.zone,
          type: "kwok",
        },
      },
      status: {
        allocatable: { cpu: "32", memory: "128Gi", pods: "110" },
        capacity: { cpu: "32", memory: "128Gi", pods: "110" },
      },
    });
  }
  for (let i = 0; i < 12; i++) {
    await api.create("/api/v1/persistentvolumes", {
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: { name: `streambus-test-pv-${i}` },
      spec: {
        capacity: { storage: "10Gi" },
        accessModes: ["ReadWriteOnce"],
        persistentVolumeReclaimPolicy: "Retain",
        hostPath: { path: `/var/lib/streambus-test/pv-${i}` },
      },
    });
  }
  await until("the monitoring CRDs", 30_000, async () => {
    const crds = await Promise.all(
      [serviceMonitorCrd, prometheusRuleCrd].map((c) =>
        api.get(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${c.metadata.name}`),
      ),
    );
    return crds.every((c) => conditionTrue(c, "Established"));
  });
}
