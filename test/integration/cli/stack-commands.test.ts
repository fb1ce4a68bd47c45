import { describe, expect, it } from "vitest";
import { ensureBuilt, runCli } from "./helpers";

/**
 * The stack commands' command lines, as the workflows call them: their exit codes on bad usage
 * (drift and parity keep 2 for what they find, so their usage errors are 1, an unknown flag included), their help, and
 * a preview of a stack that does not exist (a failed preview whose comment says why).
 */
const PULUMI_ENV = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => k.startsWith("PULUMI_") || k.startsWith("STREAMBUS_")),
);
const ops = (...args: string[]) => runCli(args, PULUMI_ENV);

describe("the stack commands' command lines", () => {
  ensureBuilt();

  it("are listed in --help, each with its exit codes in its own help", async () => {
    const help = await ops("--help");
    expect(help.code).toBe(0);
    for (const name of ["preview", "drift", "replicate", "parity"])
      expect(help.stdout).toMatch(new RegExp(`^  ${name} `, "m"));
    const drift = await ops("drift", "--help");
    expect(drift.stdout).toContain("usage: streambus-ops drift --stack STACK [--timeout 90s] [--json]");
    expect(drift.stdout).toContain("exit 0 no drift, 2 drift, 1 the check failed");
    const parity = await ops("parity", "--help");
    expect(parity.stdout).toContain("exit 0 none, 2 differences, 1 failed");
  });

  it("preview and replicate exit 2 on bad usage, as every command does", async () => {
    const preview = await ops("preview");
    expect(preview.code).toBe(2);
    expect(preview.stderr).toBe(
      "streambus-ops: --stack STACK is required (the stack's name, as `pulumi stack ls` shows it)\n",
    );
    const replicate = await ops("replicate", "--from", "prod");
    expect(replicate.code).toBe(2);
    expect(replicate.stderr).toContain("--to STACK is required");
    const pack = await ops("preview", "--stack", "x", "--policy-pack", "/nonexistent/policy");
    expect(pack.code).toBe(2);
    expect(pack.stderr).toContain("--policy-pack /nonexistent/policy: no such folder");
    const bad = await ops("preview", "--stack", "no good");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      '--stack must be a stack name (letters, digits, "-", "_", ".", "/"): got "no good"',
    );
  });

  it("drift and parity exit 1 on a usage error of their own, never 2", async () => {
    const drift = await ops("drift", "--stack", "");
    expect(drift.code).toBe(1);
    expect(drift.stderr).toContain("--stack STACK is required");
    expect(drift.stderr).toContain("(usage: streambus-ops drift --stack STACK [--timeout 90s] [--json])");
    const same = await ops("parity", "--from", "prod", "--to", "prod");
    expect(same.code).toBe(1);
    expect(same.stderr).toContain("--from and --to name the same stack (prod)");
    const overlay = await ops(
      "parity",
      "--from",
      "prod",
      "--to",
      "staging",
      "--overlay",
      "/nonexistent/overlay.yaml",
    );
    expect(overlay.code).toBe(1);
    expect(overlay.stderr).toContain("cannot read the overlay /nonexistent/overlay.yaml: ENOENT");
  });

  it("drift and parity exit 1 on a flag they do not know, naming it; another command's still exits 2", async () => {
    const drift = await ops("drift", "--stack", "x", "--bogus");
    expect(drift.code).toBe(1);
    expect(drift.stderr).toContain("--bogus");
    expect(drift.stderr).toContain("(usage: streambus-ops drift --stack STACK [--timeout 90s] [--json])");
    const parity = await ops("parity", "--from", "prod", "--to", "staging", "--overlya", "o.yaml");
    expect(parity.code).toBe(1);
    expect(parity.stderr).toContain("--overlya");
    const deadline = await ops("drift", "--stack", "x", "--deadline", "soon");
    expect(deadline.code).toBe(1);
    const preview = await ops("preview", "--stack", "x", "--bogus");
    expect(preview.code).toBe(2);
    expect(preview.stderr).toContain("--bogus");
  });

  it("a preview of a stack that does not exist fails (exit 1) and its comment says so", async () => {
    const r = await ops("preview", "--stack", "no-such-stack-cli-test");
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("**The preview failed.**");
    expect(r.stdout).toContain('no stack named "no-such-stack-cli-test" in this project');
    expect(r.stderr).toContain("preview of stack no-such-stack-cli-test failed");
  });
});
