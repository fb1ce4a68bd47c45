// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import pulumi from "@pulumi/eslint-plugin";

/**
 * A relative import of the program's folder: `../stacks/config`, `../../stacks` from a folder, and
 * `./stacks` too from the root (bench/ has a `./stacks` of its own). Selectors take the regex as
 * `/…/`, which cannot hold a "/": `\x2F` is one.
 */
const STACKS = {
  nested: "^(\\.\\.\\x2F)+stacks(\\x2F|$)",
  root: "^(\\.\\x2F|(\\.\\.\\x2F)+)stacks(\\x2F|$)",
};
const NOT_STACKS =
  "only stacks/ and tests import stacks/ (the program): import what it shares from common/, or move the code there";
const LEAF = "common/ imports nothing of the project: it is the leaf every layer reads";

/** Refuses imports (static, `import()`, `require()`, `typeof import()`) of paths that `regex` matches. */
function refuseImports(regex, message) {
  const selectors = [
    `ImportExpression[source.value=/${regex}/]`,
    `CallExpression[callee.name="require"][arguments.0.value=/${regex}/]`,
    `TSImportType[argument.literal.value=/${regex}/]`,
  ];
  return {
    "no-restricted-imports": ["error", { patterns: [{ regex, message }] }],
    "no-restricted-syntax": ["error", ...selectors.map((selector) => ({ selector, message }))],
  };
}

export default tseslint.config(
  { ignores: ["node_modules/", "dist/", ".pulumi/", ".streambus/", "bin/*.js", "examples/*/bin/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { "@pulumi": pulumi },
    rules: {
      // Outputs in template literals render as an "Output<T>" warning string, not the value.
      "@pulumi/no-output-in-template-literal": "error",
      "@pulumi/no-output-instance-in-template-literal": "error",
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // The thin-shim providers load their logic with require() inside each method on purpose.
      "@typescript-eslint/no-require-imports": "off",
    },
  },
  {
    // The program (stacks/) is the top of the project and nothing else imports it, so components,
    // procedures, providers and the CLI stand without it (issue 19); what they share with it
    // (units, the config's schema and types) is in common/. The one exception is test files
    // (`*.test.ts`, test/): they run the program or build a config the way a stack does.
    files: ["**/*.ts"],
    ignores: ["stacks/**", "test/**", "**/*.test.ts"],
    rules: refuseImports(STACKS.nested, NOT_STACKS),
  },
  { files: ["*.ts"], ignores: ["*.test.ts"], rules: refuseImports(STACKS.root, NOT_STACKS) },
  {
    // common/ is the leaf every layer reads: it imports nothing of the project (its tests may,
    // to check that the others use its one parser and formatter).
    files: ["common/**/*.ts"],
    ignores: ["common/**/*.test.ts"],
    rules: refuseImports("^\\.\\.\\x2F", LEAF),
  },
);
