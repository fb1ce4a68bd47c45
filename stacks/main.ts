/**
 * The program's entry point for a Pulumi CLI with a Node.js language host (`main` in
 * Pulumi.yaml): `pulumi up` runs this file's compiled form, `dist/stacks/main.js`. It exports the
 * function, which the SDK calls and awaits: exporting the promise instead would leave a rejected
 * one (a config error) unhandled for a moment, and Node warns about it in the engine's output.
 */
import { program } from "./index";

export = program;
