// Starts mockconvex before any test file runs and stops it after the last one. The test files
// run in workers, so they get the server's connection (plain data) through provide/inject.
import { startMockConvex, type Connection } from "mockconvex";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    mockconvex: Connection;
  }
}

export default async function setup({ provide }: TestProject) {
  const server = await startMockConvex({ config: "mockconvex.json" });
  provide("mockconvex", server.connection);
  return () => server.stop();
}
