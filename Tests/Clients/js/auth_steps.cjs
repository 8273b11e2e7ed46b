// The official Convex JS client (1.45.0) signing in with setAuth against mockconvex, one step
// per JSON line for the Swift test that runs this. Run as:
// node auth_steps.cjs CLIENT_BUNDLE WS_MODULE URL TOKEN
//
// setAuth reports the token accepted (onChange(true), after the Transition that bumps the
// identity version); then the identity, an insert and the user's own list.
const [bundle, wsModule, url, token] = process.argv.slice(2);
const { ConvexClient, makeFunctionReference: ref } = require(bundle);
const WebSocket = require(wsModule);

const out = (step, fields = {}) => console.log(JSON.stringify({ step, ...fields }));
const deadline = setTimeout(() => { out("timeout"); process.exit(2); }, 90_000);

async function main() {
  const client = new ConvexClient(url, { webSocketConstructor: WebSocket, unsavedChangesWarning: false });
  const accepted = new Promise((resolve) => client.setAuth(async () => token, resolve));
  out("authenticated", { value: await accepted });
  out("who", { value: await client.query(ref("me:who"), {}) });
  await client.mutation(ref("mine:add"), { text: "from js" });
  out("list", { texts: (await client.query(ref("mine:list"), {})).map((row) => row.text) });
  await client.close();
  clearTimeout(deadline);
  out("done");
}

main().catch((error) => { out("error", { message: String(error) }); process.exit(1); });
