// The official Convex JS client (1.45.0, bundled for browsers: the global `convex`) in a real
// browser, on a page whose origin is not mockconvex's, one step after another. Each step's
// result is POSTed to /results on the page's own origin (serve.py prints it for the Swift test),
// so the test reads results as they happen rather than guessing when the page is finished.
// Open as: index.html?convex=<mockconvex admin origin>
//
// 1. ConvexClient (the browser's own WebSocket): one subscription held for the whole page, as
//    a component's useQuery holds it, gets the initial value; a mutation resolves; the update
//    arrives.
// 2. ConvexHttpClient (the browser's fetch, so CORS preflights): a query and a mutation; the
//    subscription sees the document that mutation inserted, as an app sees a change made
//    elsewhere.
// 3. ConvexHttpClient with `credentials: "include"`, for which the browser also requires
//    `Access-Control-Allow-Credentials: true` and an origin that is not `*`.

// Anything thrown outside the steps (a bundle that did not load, say) is reported too.
addEventListener("error", (event) => report("error", { message: String(event.message) }));

const url = new URLSearchParams(location.search).get("convex");
const ref = convex.makeFunctionReference;
const author = "browser";

async function report(step, fields = {}) {
  const response = await fetch("/results", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ step, ...fields }),
  });
  if (!response.ok) throw new Error(`reporting ${step}: ${response.status}`);
}

// `messages:list` for this page's author, subscribed once; the function it returns waits for
// the first value, seen already or still to come, that satisfies a predicate.
function watchMessages(client) {
  let latest;
  const waiters = new Set();
  client.onUpdate(ref("messages:list"), { author }, (rows) => {
    latest = rows;
    for (const waiter of waiters) waiter(rows);
  });
  return (predicate) => new Promise((resolve) => {
    const check = (rows) => {
      if (predicate(rows)) { waiters.delete(check); resolve(rows); }
    };
    waiters.add(check);
    if (latest !== undefined) check(latest);
  });
}

const bodies = (rows) => rows.map((row) => row.body);

async function overTheSocket(client, messages) {
  await report("initial", { value: await messages(() => true) });
  const id = await client.mutation(ref("messages:send"), { body: "over the socket", author });
  await report("mutation", { value: id });
  const rows = await messages((rows) => rows.length > 0);
  await report("update", { bodies: bodies(rows), connected: client.connectionState().isWebSocketConnected });
}

async function overFetch(messages) {
  const http = new convex.ConvexHttpClient(url);
  await report("httpQuery", { bodies: bodies(await http.query(ref("messages:list"), { author })) });
  const id = await http.mutation(ref("messages:send"), { body: "over fetch", author });
  await report("httpMutation", { value: id });
  await report("liveUpdate", { bodies: bodies(await messages((rows) => rows.length > 1)) });
}

async function withCredentials() {
  const credentialed = new convex.ConvexHttpClient(url, {
    fetch: (input, init) => fetch(input, { ...init, credentials: "include" }),
  });
  await report("credentialedQuery", { value: await credentialed.query(ref("app:version"), {}) });
}

(async () => {
  const client = new convex.ConvexClient(url, { unsavedChangesWarning: false });
  try {
    const messages = watchMessages(client);
    await overTheSocket(client, messages);
    await overFetch(messages);
    await withCredentials();
  } finally {
    await client.close();
  }
  await report("done");
})().catch((error) => report("error", { message: String((error && error.stack) || error) }));
