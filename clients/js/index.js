// mockconvex from Node tests: start the binary on free ports, drive its control API, stop it.
//
//   const server = await startMockConvex({ config: "app.json" });
//   await server.fault("status", { path: "/api/mutation", status: 503, times: 1 });
//   ... a Convex client at server.url ...
//   await server.stop();
import { MockConvexControl } from "./lib/control.js";
import { ControlAPIError, MockConvexStartError } from "./lib/errors.js";
import { commandFor, findBinary, flagValue, launch, terminate } from "./lib/process.js";

export { ControlAPIError, MockConvexControl, MockConvexStartError, findBinary };

/** A running mockconvex: the control API's methods, its URLs and key, and `stop()`. */
export class MockConvex extends MockConvexControl {
  #child;
  #stderr;
  #stopTimeoutMs;
  #stopped;

  constructor({ child, listeners, adminKey, stderr, command, controlToken, stopTimeoutMs }) {
    super({ url: listeners.admin, siteUrl: listeners.site, port80Url: listeners.port80 ?? null, adminKey, controlToken });
    this.#child = child;
    this.#stderr = stderr;
    this.#stopTimeoutMs = stopTimeoutMs;
    /** The command that was run, binary first. */
    this.command = command;
  }

  /** The newest lines mockconvex logged on stderr (at most 1000). */
  get stderrLines() {
    return [...this.#stderr];
  }

  /** Whether the process is alive. */
  get running() {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** SIGTERM, a bounded wait, then SIGKILL; resolves to the exit status (0 after a clean stop). Calling it again waits for the same stop. */
  stop() {
    this.#stopped ??= terminate(this.#child, { stopTimeoutMs: this.#stopTimeoutMs });
    return this.#stopped;
  }

  /** `await using server = await startMockConvex(...)` stops it at the end of the block. */
  async [Symbol.asyncDispose]() {
    await this.stop();
  }
}

/**
 * Starts mockconvex on free ports (`--port 0 --site-proxy-port 0 --port80-port 0`, and
 * `--no-port80` unless `port80`) and resolves once it is ready. `args` are more flags: a port flag
 * there wins over the free port, and a `--control-token` there is sent with every control
 * request. Rejects with MockConvexStartError, carrying mockconvex's own message, when it cannot
 * start (a bad config, a port in use, no binary). The options are in index.d.ts.
 */
export async function startMockConvex(options = {}) {
  const { startTimeoutMs = 20_000, stopTimeoutMs = 10_000 } = options;
  const args = (options.args ?? []).map(String);
  const command = commandFor({ ...options, args });
  const launched = await launch(command, { startTimeoutMs });
  return new MockConvex({ ...launched, command, controlToken: flagValue(args, "--control-token"), stopTimeoutMs });
}
