/**
 * `make demo`: an emulated StreamBus cluster built, scaled out, scaled in and torn down with the
 * plain `pulumi` commands alone, as an operator runs them against a real cluster. Each command is
 * printed before it runs; `streambus-ops health` shows the cluster between the steps.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { request } from "undici";
import { IntegrityResponse, startSim, type SimCluster } from "../sim";

const root = resolve(__dirname, "../..");
const STACK = "demo";

function step(title: string): void {
  process.stdout.write(`\n\x1b[1m== ${title}\x1b[0m\n`);
}

/** Runs a command in the project's folder with the output shown; resolves to its exit code. */
function run(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; shown?: string } = {}) {
  process.stdout.write(`\x1b[36m$ ${options.shown ?? [command, ...args].join(" ")}\x1b[0m\n`);
  const child = spawn(command, args, {
    cwd: root,
    env: { ...process.env, ...options.env },
    stdio: "inherit",
  });
  return new Promise<number>((done, fail) => {
    child.on("error", fail);
    child.on("exit", (code) => done(code ?? 1));
  });
}

async function must(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; shown?: string } = {},
) {
  const code = await run(command, args, options);
  if (code !== 0) throw new Error(`${options.shown ?? [command, ...args].join(" ")} exited ${code}`);
}

const pulumi = (...args: string[]) => must("pulumi", [...args, "--stack", STACK]);

async function main(): Promise<void> {
  step("1. An empty emulator: like a cloud account with no machines yet");
  const token = randomBytes(16).toString("hex");
  const sim: SimCluster = await startSim({
    basePort: 0,
    token,
    registerDelayMs: 1_000,
    electionDelayMs: 500,
  });
  process.stdout.write(`streambus-sim --token … : control API on ${sim.controlUrl}\n`);
  const ops = (...args: string[]) =>
    must(process.execPath, [join(root, "dist/cli/index.js"), ...args], {
      env: { STREAMBUS_BROKERS: sim.brokerUrl(1), STREAMBUS_ADMIN_TOKEN: token },
      shown: `streambus-ops ${args.join(" ")}`,
    });
  // A demo interrupted earlier leaves a stack whose brokers pointed at a dead emulator.
  await new Promise((done) =>
    spawn("pulumi", ["stack", "rm", "--yes", "--force", STACK], { cwd: root, stdio: "ignore" }).on(
      "exit",
      done,
    ),
  );
  await rm(join(root, `Pulumi.${STACK}.yaml`), { force: true });
  try {
    step("2. A stack for it: the local platform, three brokers, the admin token as a secret");
    await must("pulumi", ["stack", "init", STACK]);
    await pulumi("config", "set", "streambus:platform", "local");
    await pulumi("config", "set", "streambus:brokers", "[1,2,3]");
    await pulumi("config", "set", "--path", "streambus:local.controlUrl", sim.controlUrl);
    await pulumi("config", "set", "--path", "streambus:rebalance.throttle", "50MB/s");
    await must("pulumi", ["config", "set", "--secret", "streambus:adminToken", token, "--stack", STACK], {
      shown: `pulumi config set --secret streambus:adminToken "$TOKEN" --stack ${STACK}`,
    });

    step("3. pulumi up: three machines, then the membership: the first bootstraps, the others join");
    await pulumi("preview");
    await pulumi("up", "--yes");
    await ops("health");

    step("4. Scale out: add broker 4 to the config; preview says what will move, up joins and rebalances");
    await pulumi("config", "set", "streambus:brokers", "[1,2,3,4]");
    await pulumi("preview", "--diff");
    await pulumi("up", "--yes");
    await ops("members");

    step("5. Scale in: remove broker 4; up drains it, makes it leave, then deletes its machine");
    await pulumi("config", "set", "streambus:brokers", "[1,2,3]");
    await pulumi("preview");
    await pulumi("up", "--yes");
    await ops("health");

    step("6. pulumi refresh: the live cluster matches the stack (no drift)");
    await pulumi("refresh", "--yes");

    step("7. Nothing was lost: the emulator's integrity report");
    const { body } = await request(`${sim.controlUrl}/sim/integrity`);
    const integrity = IntegrityResponse.parse(await body.json());
    process.stdout.write(`${JSON.stringify(integrity)}\n`);
    if (integrity.lost_messages > 0 || integrity.diverged_replicas > 0) throw new Error("data was lost");
  } finally {
    step("8. pulumi destroy");
    await run("pulumi", ["destroy", "--yes", "--stack", STACK]);
    await run("pulumi", ["stack", "rm", "--yes", STACK]);
    await rm(join(root, `Pulumi.${STACK}.yaml`), { force: true });
    await sim.stop();
  }
  step("Done. Next: `make test`, and README.md for a real cluster");
}

main().catch((err: unknown) => {
  process.stderr.write(`demo: ${(err as Error).message}\n`);
  process.exit(1);
});
