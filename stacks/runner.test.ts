import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { lockHeld, recoveryAdvice } from "./runner";

describe("lockHeld: a file backend's update lock", () => {
  const dir = mkdtempSync(join(tmpdir(), "sb-locks-"));
  const url = pathToFileURL(dir).href;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const lock = (...path: string[]) => {
    mkdirSync(join(dir, ".pulumi", "locks", ...path), { recursive: true });
    writeFileSync(join(dir, ".pulumi", "locks", ...path, "0b3c2d1e.json"), "{}");
  };

  it("is held while the stack's lock file exists, where pulumi puts it for project-scoped stacks", () => {
    expect(lockHeld(url, "streambus", "dev")).toBe(false);
    lock("organization", "streambus", "dev");
    expect(lockHeld(url, "streambus", "dev")).toBe(true);
    expect(lockHeld(url, "streambus", "prod")).toBe(false); // another stack's lock is not this one's
    expect(lockHeld(`${url}?no_tmp_dir=true`, "streambus", "dev")).toBe(true);
    expect(lockHeld(url, "other", "organization/streambus/dev")).toBe(true); // a fully qualified name
  });

  it("reads the older layout too, and cannot tell for other backends", () => {
    lock("legacy");
    expect(lockHeld(url, "streambus", "legacy")).toBe(true);
    expect(lockHeld("https://api.pulumi.com", "streambus", "dev")).toBeUndefined();
    expect(lockHeld("s3://bucket?region=eu-west-1", "streambus", "dev")).toBeUndefined();
  });
});

describe("recoveryAdvice after an interrupt", () => {
  const cancel = "pulumi cancel --stack dev --yes";
  const refresh = "pulumi refresh --stack dev --clear-pending-creates";

  it("no lock left and nothing under way: only run up again", () => {
    const text = recoveryAdvice("dev", "interrupted", { locked: false, pendingOperations: 0 }).join("\n");
    expect(text).not.toContain("pulumi cancel");
    expect(text).not.toContain("pulumi refresh");
    expect(text).toContain("released the stack's lock");
  });

  it("no lock left, a create under way: the refresh, not the cancel", () => {
    const text = recoveryAdvice("dev", "interrupted", { locked: false, pendingOperations: 1 }).join("\n");
    expect(text).not.toContain("pulumi cancel");
    expect(text).toContain(refresh);
  });

  it("a lock left: the cancel; what cannot be told: both, as before", () => {
    expect(recoveryAdvice("dev", "interrupted", { locked: true, pendingOperations: 0 }).join("\n")).toContain(
      cancel,
    );
    const unknown = recoveryAdvice("dev", "interrupted").join("\n");
    expect(unknown).toContain(cancel);
    expect(unknown).toContain(refresh);
    expect(recoveryAdvice("dev", "locked").join("\n")).toContain(cancel);
  });
});
