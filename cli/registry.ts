import { readdirSync } from "node:fs";
import { join } from "node:path";
import { withVerdict, type Command } from "./command";

/**
 * Every command in `cli/commands/`: each module there that exports `command`. Found at run
 * time, so a new subcommand (the lead's `alerts`) is one new file and nothing else.
 */
export function loadCommands(dir = join(__dirname, "commands")): Command[] {
  return loadCommandsReporting(dir).commands;
}

/**
 * The commands, and the files that failed to load: one broken command file must not take
 * every other command down with it; it is reported only when that command is asked for.
 */
export function loadCommandsReporting(dir = join(__dirname, "commands")): {
  commands: Command[];
  broken: Array<{ name: string; error: unknown }>;
} {
  const commands: Command[] = [];
  const broken: Array<{ name: string; error: unknown }> = [];
  for (const file of readdirSync(dir).sort()) {
    if (!/\.(js|ts)$/.test(file) || /\.(d|test)\.ts$|\.test\.js$/.test(file)) continue;
    try {
      const mod = require(join(dir, file)) as { command?: Command };
      if (mod.command) commands.push(withVerdict(mod.command));
    } catch (error) {
      broken.push({ name: file.replace(/\.(js|ts)$/, ""), error });
    }
  }
  return { commands: commands.sort((a, b) => a.order - b.order || a.name.localeCompare(b.name)), broken };
}
