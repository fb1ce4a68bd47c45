import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { provider, type LocalFileOutputs } from "./local-file";

const dir = mkdtempSync(join(tmpdir(), "streambus-local-file-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the local file provider", () => {
  it("writes, reads back (seeing hand edits), rewrites and removes the file", async () => {
    const path = join(dir, "nested", "rules.yml");
    const { id, outs } = await provider.create({ path, content: "groups: []\n" });
    expect(readFileSync(path, "utf8")).toBe("groups: []\n");
    writeFileSync(path, "edited by hand\n");
    expect((await provider.read?.(id, outs as LocalFileOutputs))?.props?.content).toBe("edited by hand\n");
    expect((await provider.diff?.(id, outs as LocalFileOutputs, { path, content: "x" }))?.changes).toBe(true);
    await provider.update?.(id, outs as LocalFileOutputs, { path, content: "v2\n" });
    expect(readFileSync(path, "utf8")).toBe("v2\n");
    await provider.delete?.(id, outs as LocalFileOutputs);
    expect(existsSync(path)).toBe(false);
    expect(await provider.read?.(id, outs as LocalFileOutputs)).toEqual({});
  });
});
