import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadCommandsReporting } from "./registry";

// The real commands are loaded from dist/ by the CLI tests (test/integration/cli), where
// `--help` must list every subcommand of the issue.
describe("loadCommandsReporting", () => {
  it("takes a new command from one new file, and survives a broken one", () => {
    const dir = mkdtempSync(join(tmpdir(), "sb-cmds-"));
    writeFileSync(
      join(dir, "hello.js"),
      'exports.command = { name: "hello", order: 1, summary: "s", usage: "", run: async () => 0 };\n',
    );
    writeFileSync(join(dir, "helper.js"), "exports.notACommand = 1;\n");
    writeFileSync(join(dir, "broken.js"), 'throw new Error("half-written");\n');
    const { commands, broken } = loadCommandsReporting(dir);
    expect(commands.map((c) => c.name)).toEqual(["hello"]);
    expect(broken.map((b) => b.name)).toEqual(["broken"]);
  });
});
