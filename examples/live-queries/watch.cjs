// A live query as an app's UI holds one, with the official JS client (`npm install convex ws`):
// the first render, another tab's mutation, the re-render. Run against a fresh mockconvex
// started with the example config: node watch.cjs [URL]. CONVEX_BROWSER may name the client's
// `convex/browser` bundle when it is not installed as a package; on Debian, `node-ws` is found
// with NODE_PATH=/usr/share/nodejs.
const { ConvexClient, makeFunctionReference } = require(process.env.CONVEX_BROWSER ?? "convex/browser");
const WebSocket = require("ws");

const url = process.argv[2] ?? "http://127.0.0.1:3210";
const options = { webSocketConstructor: WebSocket, unsavedChangesWarning: false };
const app = new ConvexClient(url, options);
const anotherTab = new ConvexClient(url, options);

let renders = 0;
app.onUpdate(makeFunctionReference("messages:list"), { author: "ada" }, async (messages) => {
  renders += 1;
  console.log(renders === 1 ? "first render:" : "re-render:", messages.map((message) => message.body));
  if (renders === 1) {
    await anotherTab.mutation(makeFunctionReference("messages:send"), { body: "hello from another tab", author: "ada" });
  } else {
    await Promise.all([app.close(), anotherTab.close()]);
  }
});
