// The official Convex JS client (1.45.0, bundled at ../shared/clients) under Node with the
// `ws` package, against mockconvex, one step after another, each printed as one JSON line for
// the Swift test that runs this. Run as: node sync_steps.cjs CLIENT_BUNDLE WS_MODULE URL SCENARIO
//
// `calls`: onUpdate gets the initial value, then the update after a mutation resolves; a
// one-shot query; an action; ConvexError data; a missing function rejects naming it.
// `recovery`: a subscription, then (once the test has closed and reopened the admin
// listener and inserted a document) the update arrives on the reconnected socket.
const [bundle, wsModule, url, scenario] = process.argv.slice(2);
const { ConvexClient, ConvexError, makeFunctionReference: ref } = require(bundle);
const WebSocket = require(wsModule);

const out = (step, fields = {}) => console.log(JSON.stringify({ step, ...fields }));
const deadline = setTimeout(() => { out("timeout"); process.exit(2); }, 90_000);

function nextUpdate(client, name, args, predicate) {
  return new Promise((resolve) => {
    const unsubscribe = client.onUpdate(ref(name), args, (value) => {
      if (predicate(value)) { unsubscribe(); resolve(value); }
    });
  });
}

async function calls(client) {
  // The initial value, then the update the mutation makes: onUpdate before and after.
  const initial = nextUpdate(client, "messages:list", { author: "js" }, () => true);
  out("initial", { value: await initial });
  const updated = nextUpdate(client, "messages:list", { author: "js" }, (rows) => rows.length > 0);
  const id = await client.mutation(ref("messages:send"), { body: "from js", author: "js" });
  out("mutation", { value: id });
  out("update", { bodies: (await updated).map((row) => row.body) });
  out("query", { value: await client.query(ref("app:version"), {}) });
  out("action", { value: await client.action(ref("app:echo"), { n: 1 }) });
  try {
    await client.mutation(ref("app:fail"), {});
    out("convexError", { raised: false });
  } catch (error) {
    out("convexError", { raised: true, isConvexError: error instanceof ConvexError, data: error.data });
  }
  try {
    await client.query(ref("nothing:here"), {});
    out("missing", { raised: false });
  } catch (error) {
    out("missing", { raised: true, message: String(error.message) });
  }
}

async function recovery(client) {
  const first = nextUpdate(client, "messages:list", { author: "reconnect" }, () => true);
  out("subscribed", { value: await first });
  const later = await nextUpdate(client, "messages:list", { author: "reconnect" }, (rows) => rows.length > 0);
  out("update", { bodies: later.map((row) => row.body) });
}

(async () => {
  const client = new ConvexClient(url, { webSocketConstructor: WebSocket, unsavedChangesWarning: false });
  try {
    await { calls, recovery }[scenario](client);
    out("done");
  } finally {
    await client.close();
    clearTimeout(deadline);
  }
})().catch((error) => { out("error", { message: String(error && error.stack || error) }); process.exit(1); });
