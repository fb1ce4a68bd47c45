import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**", "dist/**", ".pulumi/**", ".streambus/**"],
    // Integration tests run real servers on loopback and the end-to-end tests run the real
    // pulumi engine: both take seconds, not milliseconds.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    reporters: ["default"],
  },
});
