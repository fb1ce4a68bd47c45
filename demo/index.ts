/**
 * `make demo`: an emulated StreamBus cluster provisioned through the real `pulumi` engine,
 * operated with `streambus-ops`, scaled up and down, and torn down again.
 *
 * Each step prints what it runs, so a newcomer can repeat it by hand against a real cluster.
 */
import { LocalWorkspace, type ConfigMap, type Stack } from "@pulumi/pulumi/automation";
import { spawn } from "node:child_process";
import { rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { request } from "undici";
import { IntegrityResponse, startSim, type SimCluster } from "../sim";
import { program } from "../stacks";

const root = resolve(__dirname, "../..");
const STACK = "demo";

function step(title: string): void {
  process.stdout.write(`\n\x1b[1m== ${title}\x1b[0m\n`);
}

/** Runs `streambus-ops ARGS` against the emulator, as an operator would; resolves to its exit code. */
function ops(sim: SimCluster, ...args: string[]): Promise<number> {
  process.stdout.write(`$ streambus-ops ${args.join(" ")}\n`);
  const env = { ...process.env, STREAMBUS_BROKERS: sim.brokerUrl(1) };
  const child = spawn(process.execPath, [join(root, "dist/cli/index.js"), ...args], {
    env,
    stdio: "inherit",
  });
  return new Promise((done, fail) => {
    child.on("error", fail);
    child.on("exit", (code) => done(code ?? 1));
  });
}

async function mustOps(sim: SimCluster, ...args: string[]): Promise<void> {
  const code = await ops(sim, ...args);
  if (code !== 0) throw new Error(`streambus-ops ${args.join(" ")} exited ${code}`);
}

async function up(stack: Stack, brokers: number[], sim: SimCluster): Promise<void> {
  const config: ConfigMap = {
    "streambus:platform": { value: "local" },
    "streambus:brokers": { value: JSON.stringify(brokers) },
    "streambus:local": {
      value: JSON.stringify({ controlUrl: sim.controlUrl, outputDir: join(root, ".streambus", STACK) }),
    },
  };
  await stack.setAllConfig(config);
  process.stdout.write(
    `$ streambus-stack up --stack ${STACK}   # streambus:brokers = ${JSON.stringify(brokers)}\n`,
  );
  await stack.up({ onOutput: (text) => process.stdout.write(text), color: "always" });
}

async function main(): Promise<void> {
  step("1. An empty emulator: like a cloud account with no machines yet");
  const sim = await startSim({ basePort: 0, registerDelayMs: 1_000, electionDelayMs: 500 });
  process.stdout.write(`streambus-sim control API on ${sim.controlUrl}\n`);
  const workspace = await LocalWorkspace.create({ workDir: root, program });
  // A demo interrupted earlier leaves a stack whose brokers pointed at a dead emulator.
  await workspace.removeStack(STACK, { force: true }).catch(() => undefined);
  const stack = await LocalWorkspace.createStack(
    { stackName: STACK, projectName: "streambus", program },
    { workDir: root },
  );
  try {
    step("2. pulumi up: three brokers, the alert rules file and the Grafana dashboard");
    await up(stack, [1, 2, 3], sim);

    step("3. The first broker up bootstrapped the cluster; the others registered as learners. Join them");
    await mustOps(sim, "members");
    for (const id of [1, 2, 3]) await mustOps(sim, "join", String(id)); // joining a member is a no-op
    await mustOps(sim, "rebalance");
    await mustOps(sim, "health");

    step("4. Scale up: add broker 4 to the config, pulumi up, join it and rebalance onto it");
    await up(stack, [1, 2, 3, 4], sim);
    await mustOps(sim, "join", "4");
    await mustOps(sim, "rebalance", "--dry-run");
    await mustOps(sim, "rebalance");

    step("5. Scale down: drain broker 4 until it is empty, make it leave, then remove it from the config");
    await mustOps(sim, "drain", "4");
    await mustOps(sim, "leave", "4");
    await up(stack, [1, 2, 3], sim);
    await mustOps(sim, "health");

    step("6. Nothing was lost: the emulator's integrity report");
    const { body } = await request(`${sim.controlUrl}/sim/integrity`);
    const integrity = IntegrityResponse.parse(await body.json());
    process.stdout.write(`${JSON.stringify(integrity)}\n`);
    if (integrity.lost_messages > 0 || integrity.diverged_replicas > 0) throw new Error("data was lost");
  } finally {
    step("7. pulumi destroy");
    await stack.destroy({ onOutput: (text) => process.stdout.write(text), color: "always" }).catch((err) => {
      process.stderr.write(`destroy failed: ${(err as Error).message}\n`);
    });
    await workspace.removeStack(STACK, { force: true }).catch(() => undefined);
    await rm(join(root, `Pulumi.${STACK}.yaml`), { force: true });
    await sim.stop();
  }
  step("Done. Next: `make test`, and README.md for a real cluster");
}

main().catch((err: unknown) => {
  process.stderr.write(`demo: ${(err as Error).message}\n`);
  process.exit(1);
});
