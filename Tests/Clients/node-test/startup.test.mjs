// Starting and stopping with the Node helper: a server that cannot start rejects at once with
// mockconvex's own message (a bad config, a port in use, no binary); port 80 on request; a
// control token in `args` is sent; Symbol.asyncDispose stops it; a server a script never stops
// dies with the script. Run by TestFrameworkHelperTests with `node --test`.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { promisify } from "node:util";
import { ControlAPIError, MockConvexControl, MockConvexStartError, startMockConvex } from "mockconvex";

/** The error code of a new TCP connection to `url`'s port (an open keep-alive one would be reset instead). */
function connectError(url) {
  return new Promise((resolve) => {
    const socket = connect(Number(new URL(url).port), "127.0.0.1");
    socket.once("connect", () => { socket.destroy(); resolve("connected"); });
    socket.once("error", (error) => resolve(error.code));
  });
}

/** Waits (at most `ms`) until connects to `url` are refused; the last outcome. */
async function refusedWithin(url, ms) {
  const deadline = performance.now() + ms;
  for (;;) {
    const outcome = await connectError(url);
    if (outcome === "ECONNREFUSED" || performance.now() > deadline) return outcome;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Runs `start` and returns what it rejected with, and how long that took. */
async function failedStart(start) {
  const started = performance.now();
  const error = await start().then(() => assert.fail("it started"), (error) => error);
  return { error, ms: performance.now() - started };
}

test("a bad config rejects at once with mockconvex's message", async () => {
  const folder = await mkdtemp(join(tmpdir(), "mockconvex-node-test-"));
  try {
    const config = join(folder, "app.json");
    await writeFile(config, JSON.stringify({ functions: { "app:echo": { type: "action", echo: true, delayMs: "50" } } }));
    const { error, ms } = await failedStart(() => startMockConvex({ config }));
    assert.ok(error instanceof MockConvexStartError, String(error));
    assert.equal(error.exitStatus, 2);
    assert.equal(error.stderr,
      `Error: config ${config} is not valid: $.functions["app:echo"].delayMs: expected an integer from 0 to 86400000, got "50"`);
    assert.ok(error.message.startsWith(`mockconvex exited with status 2 before it was ready:\n${error.stderr}\n(command: `), error.message);
    assert.ok(ms < 10_000, `took ${ms} ms (the helper would wait 20 s for a server that hangs)`);
  } finally {
    await rm(folder, { recursive: true });
  }
});

test("a port in use rejects at once naming the flag that moves it", async () => {
  const taken = createServer();
  await new Promise((resolve) => taken.listen(0, "127.0.0.1", resolve));
  try {
    const port = taken.address().port;
    const { error, ms } = await failedStart(() => startMockConvex({ args: ["--port", String(port)] }));
    assert.ok(error instanceof MockConvexStartError, String(error));
    assert.equal(error.exitStatus, 1);
    assert.equal(error.stderr, `Error: cannot listen on 127.0.0.1:${port} for admin: the address is already in use: another ` +
      "process is listening there. Stop it or choose another port with --port (0 picks a free one).");
    assert.ok(ms < 10_000, `took ${ms} ms (the helper would wait 20 s for a server that hangs)`);
  } finally {
    taken.close();
  }
});

test("no binary at the path given rejects before anything runs", async () => {
  const { error } = await failedStart(() => startMockConvex({ binary: "/nonexistent/mockconvex" }));
  assert.ok(error instanceof MockConvexStartError, String(error));
  assert.equal(error.message, "no mockconvex binary at /nonexistent/mockconvex: it is not an executable file");
});

test("port 80 on request, a control token from args, and asyncDispose stops it", async () => {
  const server = await startMockConvex({ port80: true, args: ["--control-token", "s3cret"] });
  try {
    assert.match(server.port80Url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal((await fetch(server.port80Url + "/version")).status, 200);
    assert.deepEqual(await server.setListener("port80", false), {
      name: "port80", host: "127.0.0.1", port: Number(new URL(server.port80Url).port), enabled: false,
    });
    assert.equal(await connectError(server.port80Url), "ECONNREFUSED");
    const withoutToken = new MockConvexControl({ url: server.url });
    await assert.rejects(withoutToken.faults(), (error) =>
      error instanceof ControlAPIError && error.status === 401 && error.code === "ControlTokenRequired");
    assert.deepEqual(await new MockConvexControl(server.connection).faults(), []);
  } finally {
    await server[Symbol.asyncDispose]();
  }
  assert.equal(server.running, false);
  assert.equal(await server.stop(), 0);
  assert.equal(await connectError(server.url), "ECONNREFUSED");
});

test("a server the script never stops is gone when the script exits", async () => {
  const script = `import { startMockConvex } from "mockconvex";
    const server = await startMockConvex();
    console.log(server.url);`;
  const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script],
    { cwd: fileURLToPath(new URL(".", import.meta.url)), timeout: 30_000 });
  const url = stdout.trim();
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  // Killed by the script's exit handler; the kernel closes its sockets as it goes.
  assert.equal(await refusedWithin(url, 5000), "ECONNREFUSED");
});
