// A test file: the global setup's server, reset to mockconvex.json before each test.
import { ConvexHttpClient, anyApi as api } from "convex/browser";
import { MockConvexControl } from "mockconvex";
import { beforeEach, expect, inject, test } from "vitest";

const mockconvex = new MockConvexControl(inject("mockconvex"));
beforeEach(() => mockconvex.reset());

test("a message the app sends is stored", async () => {
  const client = new ConvexHttpClient(mockconvex.url);
  await client.mutation(api.messages.send, { body: "hi", author: "bob" });
  const { tables } = await mockconvex.state();
  expect(tables.messages.map((message) => message.body)).toEqual(["seeded", "hi"]);
});

test("the app sees the deployment fail once, and the journal shows it", async () => {
  const client = new ConvexHttpClient(mockconvex.url);
  await mockconvex.fault("status", { path: "/api/mutation", status: 503, times: 1 });
  await expect(client.mutation(api.messages.send, { body: "lost", author: "bob" })).rejects.toThrow();
  const [call] = await mockconvex.requests({ pathPrefix: "/api/mutation" });
  expect(call.kind === "http" && call.status).toBe(503);
});
