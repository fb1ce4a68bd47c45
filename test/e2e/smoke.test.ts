import * as pulumi from "@pulumi/pulumi";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LiveFile } from "../../providers/testing";
import { createE2EStack, type E2EStack } from "./harness";

// A token shaped like the admin token: it must never reach the state file in plaintext.
const token = "sb-admin-token-5f0c1e2d9a";

describe("the real pulumi engine, offline, with a thin-shim dynamic provider", () => {
  let e2e: E2EStack;
  let livePath: string;
  let declared = "v1";

  beforeAll(async () => {
    livePath = join(await mkdtemp(join(tmpdir(), "streambus-smoke-")), "live.json");
    e2e = await createE2EStack("smoke", async () => {
      const file = new LiveFile("setting", { path: livePath, value: declared, token: pulumi.secret(token) });
      return { value: file.value };
    });
  });
  afterAll(async () => e2e?.cleanup(), 180_000);

  it("previews one create", async () => {
    const preview = await e2e.stack.preview();
    expect(preview.changeSummary).toMatchObject({ create: 2 }); // the stack and the resource
  }, 180_000);

  it("creates the resource, and the state holds the token only encrypted", async () => {
    const up = await e2e.stack.up();
    expect(up.summary.result).toBe("succeeded");
    expect(up.outputs.value?.value).toBe("v1");
    expect(JSON.parse(await readFile(livePath, "utf8"))).toEqual({ value: "v1" });
    const state = await e2e.readStateFile();
    expect(state).toContain("streambus:LiveFile");
    expect(state).toContain("ciphertext"); // the token input is kept as an encrypted secret
    expect(state).not.toContain(token);
  }, 180_000);

  it("sees an out-of-band change on refresh, and up puts the declared value back", async () => {
    await writeFile(livePath, JSON.stringify({ value: "changed-by-hand" }));
    const refresh = await e2e.stack.refresh();
    expect(refresh.summary.resourceChanges).toMatchObject({ update: 1 });
    const up = await e2e.stack.up();
    expect(up.summary.resourceChanges).toMatchObject({ update: 1 });
    expect(JSON.parse(await readFile(livePath, "utf8"))).toEqual({ value: "v1" });
  }, 180_000);

  it("updates in place when the declared value changes", async () => {
    declared = "v2";
    const preview = await e2e.stack.preview();
    expect(preview.changeSummary).toMatchObject({ update: 1 });
    await e2e.stack.up();
    expect(JSON.parse(await readFile(livePath, "utf8"))).toEqual({ value: "v2" });
  }, 180_000);

  it("destroys the resource through the provider", async () => {
    const destroy = await e2e.stack.destroy();
    expect(destroy.summary.resourceChanges).toMatchObject({ delete: 2 });
    await expect(readFile(livePath, "utf8")).rejects.toThrow(/ENOENT/);
  }, 180_000);
});
