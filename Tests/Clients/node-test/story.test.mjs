// The Node helper as a node:test user meets it, with the official JS client: one server for the
// file, reset before each test; the client reads and writes, a fault reaches it, the journal
// shows what it sent, and the next test starts from the config again. The Swift suite
// (TestFrameworkHelperTests) runs this with `node --test` in a folder whose node_modules has
// `mockconvex` (clients/js), `convex` (the official bundle) and `ws` (Debian's); the example
// config's path is in MOCKCONVEX_TEST_CONFIG.
import assert from "node:assert/strict";
import { after, afterEach, before, beforeEach, test } from "node:test";
import { ConvexClient, ConvexHttpClient, makeFunctionReference as ref } from "convex/browser";
import { startMockConvex } from "mockconvex";
import WebSocket from "ws";

let server;
before(async () => {
  server = await startMockConvex({ config: process.env.MOCKCONVEX_TEST_CONFIG });
});
after(async () => {
  assert.equal(await server.stop(), 0);
});
beforeEach(async () => {
  await server.reset();
});
// The next test's journal starts empty only if this test's clients have stopped talking: each
// test closes its clients, and the server sees their sockets close.
afterEach(async () => {
  const deadline = performance.now() + 10_000;
  while ((await server.syncSessions()).length > 0) {
    assert.ok(performance.now() < deadline, "sync sessions still open 10 s after the test");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
});

const bodies = (rows) => rows.map((row) => row.body);

/** A client holding a live query, as an app's page does, and its first value. */
async function subscribedClient(author) {
  const client = new ConvexClient(server.url, { webSocketConstructor: WebSocket, unsavedChangesWarning: false });
  const first = await new Promise((resolve) => client.onUpdate(ref("messages:list"), { author }, resolve));
  return { client, first };
}

test("the client reads the seed and writes, and the journal shows its mutation", async () => {
  const { client, first } = await subscribedClient("ada");
  try {
    assert.deepEqual(bodies(first), ["seeded"]);
    await server.declare("notes:count", { type: "query", returns: 7 });
    assert.equal(await client.query(ref("notes:count"), {}), 7);
    const id = await client.mutation(ref("messages:send"), { body: "from node", author: "ada" });
    assert.match(id, /^j57/);
    assert.deepEqual(bodies(await client.query(ref("messages:list"), { author: "ada" })), ["seeded", "from node"]);

    const sent = (await server.requests({ kind: "sync" })).filter((entry) => entry.direction === "in").reverse();
    assert.equal(sent[0].messageType, "Connect");
    const mutations = sent.filter((entry) => entry.messageType === "Mutation");
    assert.equal(mutations.length, 1);
    assert.match(mutations[0].preview, /"udfPath":"messages:send"/);
    assert.match(mutations[0].preview, /"body":"from node"/);
    const upgrades = await server.requests({ kind: "http", pathPrefix: "/api/" });
    assert.deepEqual(upgrades.map((entry) => [entry.method, entry.status]), [["GET", 101]]);
  } finally {
    await client.close();
  }
});

test("the reset before this test put the config back", async () => {
  assert.deepEqual(await server.requests(), []);
  assert.deepEqual(await server.faults(), []);
  const state = await server.state();
  assert.deepEqual(bodies(state.tables.messages), ["seeded"]);
  const { client, first } = await subscribedClient("ada");
  try {
    assert.deepEqual(bodies(first), ["seeded"]);
    await assert.rejects(client.query(ref("notes:count"), {}), /Could not find public function for 'notes:count'/);
  } finally {
    await client.close();
  }
});

test("a delayed Transition: the mutation resolves that much later", async () => {
  const { client } = await subscribedClient("ada");
  try {
    const id = await server.fault("syncDelay", { ms: 500, times: 1 });
    assert.equal(typeof id, "number");
    const started = performance.now();
    await client.mutation(ref("messages:send"), { body: "late", author: "ada" });
    // Undelayed it takes a few ms; the server's timers never fire early (precise clock).
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 500, `resolved after ${elapsed} ms`);
    // Used up, so gone.
    assert.deepEqual(await server.faults(), []);
  } finally {
    await client.close();
  }
});

test("a 503 on /api/mutation reaches the HTTP client, then the retry succeeds", async () => {
  const client = new ConvexHttpClient(server.url);
  await server.fault("status", {
    path: "/api/mutation", status: 503, body: { code: "ServiceUnavailable", message: "down for a test" }, times: 1,
  });
  await assert.rejects(client.mutation(ref("messages:send"), { body: "first try", author: "http" }), /down for a test/);
  assert.match(await client.mutation(ref("messages:send"), { body: "second try", author: "http" }), /^j57/);

  const calls = (await server.requests({ pathPrefix: "/api/mutation" })).reverse();
  assert.deepEqual(calls.map((entry) => [entry.method, entry.status, entry.fault]), [["POST", 503, "status"], ["POST", 200, null]]);
  assert.match(calls[0].bodyPreview, /"first try"/);
  assert.deepEqual(bodies((await server.state()).tables.messages), ["seeded", "second try"]);
});

test("a test user signs in with one call", async () => {
  const client = new ConvexClient(server.url, { webSocketConstructor: WebSocket, unsavedChangesWarning: false });
  const token = await server.token("alice", { claims: { name: "Alice" } });
  client.setAuth(async () => token);
  const me = await client.query(ref("me:who"), {});
  assert.deepEqual([me.subject, me.name, me.tokenIdentifier], ["alice", "Alice", "http://127.0.0.1/_mock/auth|alice"]);
  await client.close();
});
