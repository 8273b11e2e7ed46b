// The control API (`/_mock/` on the admin listener) as methods, over Node's own fetch: faults,
// the request journal, reset, listener switches and functions declared at run time.
import { ControlAPIError } from "./errors.js";

/**
 * The control API of a mockconvex that is running already: in a container, or started by
 * vitest's globalSetup in another process (pass it the `connection` that process provides).
 */
export class MockConvexControl {
  #url;
  #controlToken;
  #timeoutMs;

  /**
   * @param {{url: string, siteUrl?: string, port80Url?: string | null, adminKey?: string,
   *          controlToken?: string | null, timeoutMs?: number}} connection
   */
  constructor({ url, siteUrl, port80Url = null, adminKey, controlToken = null, timeoutMs = 10_000 }) {
    if (typeof url !== "string") throw new TypeError("MockConvexControl needs the admin listener's url");
    this.#url = url.replace(/\/+$/, "");
    this.siteUrl = siteUrl;
    this.port80Url = port80Url;
    this.adminKey = adminKey;
    this.#controlToken = controlToken;
    this.#timeoutMs = timeoutMs;
  }

  /** The admin listener's URL, for Convex clients: `http://127.0.0.1:PORT`. */
  get url() {
    return this.#url;
  }

  /** What another process needs to reach this server (plain data, for vitest's `provide`). */
  get connection() {
    return { url: this.url, siteUrl: this.siteUrl, port80Url: this.port80Url, adminKey: this.adminKey, controlToken: this.#controlToken };
  }

  /** Adds a fault (`fields` as in docs/control-api.md) and resolves to its id. */
  async fault(kind, fields = {}) {
    return (await this.#call("POST", "/_mock/faults", { kind, ...fields })).id;
  }

  /** The active faults, each with `applied`: how often it has acted so far. */
  async faults() {
    return (await this.#call("GET", "/_mock/faults")).faults;
  }

  /** Removes every fault; resolves to how many there were. */
  async clearFaults() {
    return (await this.#call("DELETE", "/_mock/faults")).removed;
  }

  /** The request journal, newest first; filter by `kind`, `listener`, `method`, `pathPrefix`, `limit`. */
  async requests({ kind, listener, method, pathPrefix, limit } = {}) {
    const filters = Object.entries({ kind, listener, method, pathPrefix, limit }).filter(([, value]) => value != null);
    const query = new URLSearchParams(filters.map(([name, value]) => [name, String(value)])).toString();
    return (await this.#call("GET", "/_mock/requests" + (query ? "?" + query : ""))).requests;
  }

  /** Empties the journal; resolves to how many entries it held. */
  async clearRequests() {
    return (await this.#call("DELETE", "/_mock/requests")).cleared;
  }

  /** Back to the config (documents, files, scheduled functions, functions, routes, faults, journal); resolves to the new state. */
  async reset() {
    return this.#call("POST", "/_mock/reset");
  }

  /** Opens or closes a listener (`admin`, `site`, `port80`) for real; resolves to it. */
  async setListener(name, enabled) {
    return this.#call("PUT", "/_mock/listeners/" + encodeURIComponent(name), { enabled });
  }

  /** Every listener: name, host, port, enabled. */
  async listeners() {
    return (await this.#call("GET", "/_mock/listeners")).listeners;
  }

  /** Declares (or replaces) the function `path` with the config file's JSON for it; resolves to it as stored. */
  async declare(path, spec) {
    return (await this.#call("PUT", "/_mock/functions/" + functionPath(path), spec)).function;
  }

  /** Removes the function `path` until the next reset. */
  async undeclare(path) {
    await this.#call("DELETE", "/_mock/functions/" + functionPath(path));
  }

  /** The open sync sessions (the clients' WebSockets): id, sessionId, identity, queries. */
  async syncSessions() {
    return (await this.#call("GET", "/_mock/sync")).sessions;
  }

  /** Every document (in convex_encoded_json), file and scheduled function. */
  async state() {
    return this.#call("GET", "/_mock/state");
  }

  /**
   * A signed JWT for a test user from the built-in test issuer, which this deployment accepts
   * (`client.setAuth(async () => token)`). `claims` add to `sub` and `iss`; a negative
   * `expiresInSeconds` gives an expired token.
   */
  async token(subject, { claims, expiresInSeconds } = {}) {
    const body = { subject };
    if (claims !== undefined) body.claims = claims;
    if (expiresInSeconds !== undefined) body.expiresInSeconds = expiresInSeconds;
    return (await this.#call("POST", "/_mock/auth/token", body)).token;
  }

  /** Under `mockconvex record`: writes the recording to its `--out` file now; what it wrote. */
  async saveRecording() {
    return this.#call("POST", "/_mock/record/save");
  }

  async #call(method, path, body) {
    const headers = {};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (this.#controlToken != null) headers.Authorization = "Bearer " + this.#controlToken;
    let response;
    try {
      response = await fetch(this.url + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      throw new Error(`${method} ${this.url}${path} failed: ${error.cause?.message ?? error.message}`, { cause: error });
    }
    const text = await response.text();
    if (!response.ok) {
      let problem = {};
      try {
        problem = JSON.parse(text);
      } catch {
        problem = { code: "", message: text };
      }
      throw new ControlAPIError(response.status, String(problem.code ?? ""), String(problem.message ?? text), { method, path });
    }
    return JSON.parse(text);
  }
}

/** A function path in a URL: `dir/module:function` keeps its slashes, as the control API reads it. */
function functionPath(path) {
  return path.split("/").map(encodeURIComponent).join("/");
}
