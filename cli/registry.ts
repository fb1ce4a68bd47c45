import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "./command";

/**
 * Every command in `cli/commands/`: each module there that exports `command`. Found at run
 * time, so a new subcommand (the lead's `alerts`) is one new file and nothing else.
 */
export function loadCommands(dir = join(__dirname, "commands")): Command[] {
  const commands: Command[] = [];
  for (const file of readdirSync(dir).sort()) {
    if (!/\.(js|ts)$/.test(file) || /\.(d|test)\.ts$|\.test\.js$/.test(file)) continue;
    const mod = require(join(dir, file)) as { command?: Command };
    if (mod.command) commands.push(mod.command);
  }
  return commands.sort((a, b) => a.order - b.order || a.name.localeCompare(b.name));
}
