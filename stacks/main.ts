/**
 * The program's entry point for a Pulumi CLI with a Node.js language host (`main` in
 * Pulumi.yaml): `pulumi up` runs this file's compiled form, `dist/stacks/main.js`.
 */
import { program } from "./index";

export = program();
