/**
 * The Node.js that the project's commands need, and the one line that says so on an older one.
 *
 * package.json's engines say `>=22`; what breaks on Node 20 is concrete: undici 8 (the admin API
 * client) reads `node:zlib`'s zstd when it loads (a `TypeError` on 20), and `@pulumi/pulumi`
 * 3.259 declares `>=22`. The emulator (`streambus-sim`) uses neither and runs on 20, as do the
 * `streambus-ops` commands that only read and write files (`alerts`, `replicate`, `parity`).
 */

/** The oldest Node.js that runs every command: undici 8.13's `engines` (`>=22.19.0`). */
export const NODE_NEEDED = "22.19.0";

/** Whether Node.js `version` (`20.20.2`, `v24.21.0`) is {@link NODE_NEEDED} or newer. */
export function nodeIsRecentEnough(version: string = process.versions.node): boolean {
  const have = version.replace(/^v/, "").split(".").map(Number);
  const need = NODE_NEEDED.split(".").map(Number);
  for (let i = 0; i < need.length; i++) {
    const a = have[i] ?? 0;
    const b = need[i]!;
    if (a !== b) return a > b;
  }
  return true;
}

/**
 * The one line (without the program's prefix) that refuses to run `what` on this Node.js: the
 * version needed, the one running and where it is, and how to get the project's.
 */
export function oldNodeMessage(what: string): string {
  return (
    `${what} needs Node.js ${NODE_NEEDED} or newer; this is ${process.version} (${process.execPath}). ` +
    "`make toolchain && source scripts/env.sh` puts the project's Node.js first on PATH"
  );
}

/**
 * Whether `error` was thrown while Node.js loaded a module (its stack passes through Node's
 * module loader): on a Node older than {@link NODE_NEEDED}, that is a dependency that needs a
 * newer one, whatever the error says (undici's is `Cannot read properties of undefined`).
 */
export function thrownLoadingModule(error: unknown): boolean {
  return error instanceof Error && /\(node:internal\/modules\//.test(error.stack ?? "");
}
