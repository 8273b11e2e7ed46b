// The official Convex JS client (1.45.0) calling stubbed functions over the sync WebSocket:
// cases chosen by arguments as the client encodes them (a bigint is an int64, a number a
// float64), a case's ConvexError data, and a subscribed sequence that a commit does not move
// on (a one-shot query of the same query reuses the subscription's answer). Each step is one
// JSON line for the Swift test. Run as: node stub_steps.cjs CLIENT_BUNDLE WS_MODULE URL
const [bundle, wsModule, url] = process.argv.slice(2);
const { ConvexClient, ConvexError, makeFunctionReference: ref } = require(bundle);
const WebSocket = require(wsModule);

// A bigint (an int64 the client hands back) is printed as "<n>n".
const out = (step, fields = {}) =>
  console.log(JSON.stringify({ step, ...fields }, (_, value) => (typeof value === "bigint" ? `${value}n` : value)));
const deadline = setTimeout(() => { out("timeout"); process.exit(2); }, 90_000);

async function outcome(call) {
  try {
    return { value: await call() };
  } catch (error) {
    return { isConvexError: error instanceof ConvexError, data: error.data, message: String(error.message) };
  }
}

(async () => {
  const client = new ConvexClient(url, { webSocketConstructor: WebSocket, unsavedChangesWarning: false });
  try {
    out("int64", await outcome(() => client.query(ref("orders:quote"), { sku: "A1", qty: 2n })));
    out("float", await outcome(() => client.query(ref("orders:quote"), { qty: 2, sku: "A1" })));
    out("outOfStock", await outcome(() => client.query(ref("orders:quote"), { sku: "B2" })));
    const values = [];
    const first = new Promise((resolve) => {
      client.onUpdate(ref("jobs:status"), {}, (value) => { values.push(value); resolve(value); });
    });
    out("subscribed", { value: await first });
    await client.mutation(ref("notes:add"), { text: "a commit" });
    out("oneShot", await outcome(() => client.query(ref("jobs:status"), {})));
    out("seen", { values });
    out("done");
  } finally {
    clearTimeout(deadline);
    await client.close();
  }
})().catch((error) => { out("failed", { message: String(error && error.stack) }); process.exit(1); });
