// node:test with mockconvex: one server for this file, reset to mockconvex.json before each
// test. Run from the folder holding mockconvex.json: node --test
// (needs `npm install convex` and mockconvex's clients/js; `node --test` runs each file in a
// process of its own, so each file gets its own server.)
import assert from "node:assert/strict";
import { after, beforeEach, test } from "node:test";
import { ConvexHttpClient, anyApi as api } from "convex/browser";
import { startMockConvex } from "mockconvex";

const mockconvex = await startMockConvex({ config: "mockconvex.json" });
after(() => mockconvex.stop());
beforeEach(() => mockconvex.reset());

test("a message the app sends is stored", async () => {
  const client = new ConvexHttpClient(mockconvex.url);
  await client.mutation(api.messages.send, { body: "hi", author: "bob" });
  const { tables } = await mockconvex.state();
  assert.deepEqual(tables.messages.map((message) => message.body), ["seeded", "hi"]);
});

test("the app sees the deployment fail once, and the journal shows it", async () => {
  const client = new ConvexHttpClient(mockconvex.url);
  await mockconvex.fault("status", { path: "/api/mutation", status: 503, times: 1 });
  await assert.rejects(client.mutation(api.messages.send, { body: "lost", author: "bob" }));
  const [call] = await mockconvex.requests({ pathPrefix: "/api/mutation" });
  assert.equal(call.status, 503);
  // The reset before this test took the first test's message away.
  assert.deepEqual((await mockconvex.state()).tables.messages.map((message) => message.body), ["seeded"]);
});
