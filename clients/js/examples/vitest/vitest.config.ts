// vitest with mockconvex: one server for the whole run, started by the global setup.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    globalSetup: ["./mockconvex.setup.ts"],
    // Every file shares the one deployment and resets it before each test, so files take turns.
    // (For files in parallel, start a server per file instead, as the node:test example does.)
    fileParallelism: false,
  },
});
