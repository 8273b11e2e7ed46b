// The errors the helper throws: what to fix is in the message, the details in fields.

/** mockconvex did not start: the binary is missing, or it exited or hung before `ready`. */
export class MockConvexStartError extends Error {
  constructor(message, { command = [], exitStatus = null, stderr = "" } = {}) {
    super(message);
    this.name = "MockConvexStartError";
    /** The command that was run, binary first. */
    this.command = command;
    /** The exit status, or null when it did not exit (it hung and was killed, or never ran). */
    this.exitStatus = exitStatus;
    /** What mockconvex printed on stderr: its own reason (a config error, a port in use). */
    this.stderr = stderr;
  }
}

/** The control API refused a request: its HTTP status and its `{code, message}` body. */
export class ControlAPIError extends Error {
  constructor(status, code, message, { method = "", path = "" } = {}) {
    super(`${method} ${path}: ${status} ${code}: ${message}`.trim());
    this.name = "ControlAPIError";
    this.status = status;
    this.code = code;
    /** The control API's own message (`message` adds the method, path, status and code). */
    this.serverMessage = message;
  }
}
