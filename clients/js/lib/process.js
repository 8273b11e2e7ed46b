// The mockconvex binary in a child process: started on free ports, ready when it says so,
// always stopped (SIGTERM, a bounded wait, then SIGKILL), and never left behind by Node.
import { spawn } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { MockConvexStartError } from "./errors.js";

const LISTENING = "mockconvex listening: ";
const ADMIN_KEY = "mockconvex admin key";
const READY = "mockconvex ready";
// What mockconvex logged last, for the message of a start that failed.
const STDERR_LINES = 1000;

// Servers still running when Node exits (a test file that never stopped its server, an uncaught
// error) are killed then: an exit handler can only do synchronous work, so SIGKILL.
const running = new Set();
process.on("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

function isExecutableFile(path) {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** A path given as a string or a `file:` URL (`new URL("./app.json", import.meta.url)`). */
const pathOf = (place) => (place instanceof URL ? fileURLToPath(place) : String(place));

/** `binary`, else `$MOCKCONVEX_BINARY`, else `mockconvex` on PATH; an executable file. */
export function findBinary(binary) {
  const chosen = binary != null ? pathOf(binary) : process.env.MOCKCONVEX_BINARY || onPath("mockconvex");
  if (!chosen) {
    throw new MockConvexStartError(
      "no mockconvex binary: pass binary, set MOCKCONVEX_BINARY, or put mockconvex on PATH " +
        "(`swift build -c release` builds it; the container image has it at /usr/local/bin/mockconvex)");
  }
  if (!isExecutableFile(chosen)) throw new MockConvexStartError(`no mockconvex binary at ${chosen}: it is not an executable file`);
  return chosen;
}

function onPath(name) {
  for (const directory of (process.env.PATH ?? "").split(delimiter)) {
    if (directory && isExecutableFile(join(directory, name))) return join(directory, name);
  }
  return undefined;
}

const hasFlag = (args, flag) => args.some((arg) => arg === flag || arg.startsWith(flag + "="));

/** The value of the last `--flag V` or `--flag=V` (the one mockconvex uses). */
export function flagValue(args, flag) {
  let value = null;
  args.forEach((arg, index) => {
    if (arg === flag && index + 1 < args.length) value = args[index + 1];
    else if (arg.startsWith(flag + "=")) value = arg.slice(flag.length + 1);
  });
  return value;
}

/** The command line: free ports unless `args` name their own, port 80 off unless asked for. */
export function commandFor({ config, binary, port80 = false, dataDir, args = [] }) {
  const command = [findBinary(binary)];
  for (const flag of ["--port", "--site-proxy-port", "--port80-port"]) {
    if (!hasFlag(args, flag)) command.push(flag, "0");
  }
  if (!port80 && !hasFlag(args, "--no-port80")) command.push("--no-port80");
  if (config != null) command.push("--config", pathOf(config));
  if (dataDir != null) command.push("--data-dir", pathOf(dataDir));
  return [...command, ...args.map(String)];
}

/**
 * Runs `command` and waits (at most `startTimeoutMs`) for `mockconvex ready`. Resolves to the
 * child, its listeners' URLs by name, the admin key and its stderr lines so far; rejects with
 * MockConvexStartError carrying mockconvex's own message when it exits or hangs first.
 */
export function launch(command, { startTimeoutMs = 20_000 } = {}) {
  const child = spawn(command[0], command.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
  running.add(child);
  child.once("exit", () => running.delete(child));
  const stderr = [];
  createInterface({ input: child.stderr }).on("line", (line) => {
    stderr.push(line);
    if (stderr.length > STDERR_LINES) stderr.shift();
  });
  const stdout = [];
  const listeners = {};
  let adminKey;
  const shown = () => `(command: ${command.join(" ")})`;

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      finish(new MockConvexStartError(
        `mockconvex printed no \`${READY}\` within ${startTimeoutMs} ms\nstdout:\n${stdout.join("\n")}\nstderr:\n${stderr.join("\n")}\n${shown()}`,
        { command, stderr: stderr.join("\n") }));
    }, startTimeoutMs);
    let settled = false;
    const finish = (error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.off("close", closedEarly);
      child.off("error", failedToRun);
      if (error) return reject(error);
      // From here on the server never keeps Node alive: the exit handler above stops it.
      for (const handle of [child, child.stdout, child.stderr]) handle.unref();
      resolve({ child, listeners, adminKey, stderr });
    };
    // `close` comes after stderr has been read to its end, so the message is whole.
    const closedEarly = (status, signal) => {
      const text = stderr.join("\n").trim();
      finish(new MockConvexStartError(
        `mockconvex exited with ${signal ? "signal " + signal : "status " + status} before it was ready:\n${text || "(nothing on stderr)"}\n${shown()}`,
        { command, exitStatus: status, stderr: text }));
    };
    const failedToRun = (error) => finish(new MockConvexStartError(`could not run ${command[0]}: ${error.message}`, { command }));
    child.once("close", closedEarly);
    child.once("error", failedToRun);
    // Read to the end even after `ready`, so the pipe never fills and blocks the server.
    createInterface({ input: child.stdout }).on("line", (line) => {
      if (settled) return;
      stdout.push(line);
      if (line.startsWith(LISTENING)) {
        const [name, url] = line.slice(LISTENING.length).split(" ");
        listeners[name] = url;
      } else if (line.startsWith(ADMIN_KEY)) {
        adminKey = line.slice(line.indexOf(": ") + 2);
      } else if (line === READY) {
        finish(listeners.admin ? null : new MockConvexStartError(`mockconvex reported no admin listener:\n${stdout.join("\n")}`, { command }));
      }
    });
  });
}

/** SIGTERM, at most `stopTimeoutMs` for the exit, then SIGKILL; resolves to the exit status (null after a kill). */
export async function terminate(child, { stopTimeoutMs = 10_000 } = {}) {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  for (const handle of [child, child.stdout, child.stderr]) handle.ref();
  const exited = new Promise((resolve) => child.once("exit", (status) => resolve(status)));
  child.kill("SIGTERM");
  let timer;
  const late = new Promise((resolve) => { timer = setTimeout(() => resolve("late"), stopTimeoutMs); });
  const first = await Promise.race([exited, late]);
  clearTimeout(timer);
  if (first !== "late") return first;
  child.kill("SIGKILL");
  return exited;
}
