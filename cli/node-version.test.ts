import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { NODE_NEEDED, nodeIsRecentEnough, oldNodeMessage, thrownLoadingModule } from "./node-version";

describe("the Node.js version check", () => {
  it("compares major, minor and patch against NODE_NEEDED (22.19.0)", () => {
    expect(NODE_NEEDED).toBe("22.19.0");
    for (const old of ["20.20.2", "v20.20.2", "22.18.9", "22.0.0", "18.20.4"])
      expect(nodeIsRecentEnough(old), old).toBe(false);
    for (const recent of ["22.19.0", "v22.19.1", "22.20.0", "23.0.0", "v24.21.0"])
      expect(nodeIsRecentEnough(recent), recent).toBe(true);
  });

  it("the refusal names the version needed, this one, and the way to get the project's, in one line", () => {
    const line = oldNodeMessage("the health command");
    expect(line).not.toContain("\n");
    expect(line).toMatch(/^the health command needs Node\.js 22\.19\.0 or newer; this is v\d+\.\d+\.\d+ \(/);
    expect(line).toContain(process.execPath);
    expect(line).toContain("`make toolchain && source scripts/env.sh`");
  });

  it("tells an error thrown while a module loads from one thrown later", () => {
    // A module whose top level throws, as undici 8's does on Node 20.
    const dir = mkdtempSync(join(tmpdir(), "sb-node-version-"));
    writeFileSync(join(dir, "broken.js"), "undefined.bind(null);\n");
    let loading: unknown;
    try {
      require(join(dir, "broken.js"));
    } catch (error) {
      loading = error;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(thrownLoadingModule(loading)).toBe(true);
    expect(thrownLoadingModule(new TypeError("Cannot read properties of undefined (reading 'bind')"))).toBe(
      false,
    );
    expect(thrownLoadingModule("not an error")).toBe(false);
  });
});
