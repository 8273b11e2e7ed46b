// Types for mockconvex's Node helper (index.js). Field names follow docs/control-api.md.

export interface StartOptions {
  /** The config file (docs/config.md), a path or a `file:` URL. */
  config?: string | URL;
  /** The mockconvex binary; default `$MOCKCONVEX_BINARY`, else `mockconvex` on PATH. */
  binary?: string | URL;
  /** Serve the port-80 listener too (on a free port: `port80Url`); default false (`--no-port80`). */
  port80?: boolean;
  /** Keep documents, files and the instance secret here across restarts. */
  dataDir?: string | URL;
  /** More flags. A port flag wins over the free port; `--control-token T` is sent with control requests. */
  args?: string[];
  /** How long to wait for `mockconvex ready`; default 20000. */
  startTimeoutMs?: number;
  /** How long `stop()` waits after SIGTERM before SIGKILL; default 10000. */
  stopTimeoutMs?: number;
}

/** What another process needs to reach a server: plain data (vitest's `provide`/`inject`). */
export interface Connection {
  url: string;
  siteUrl?: string;
  port80Url?: string | null;
  adminKey?: string;
  controlToken?: string | null;
  /** Bound on each control request; default 10000. */
  timeoutMs?: number;
}

export type Listener = "admin" | "site" | "port80";

export type FaultKind =
  | "delay" | "status" | "reset" | "close" | "garbage" | "slow"
  | "syncDrop" | "syncFatalError" | "syncDelay";

/** A fault's fields besides `kind` (docs/control-api.md, "Faults"). */
export interface FaultFields {
  listener?: Listener;
  method?: string;
  path?: string;
  pathPrefix?: string;
  times?: number;
  probability?: number;
  seed?: number;
  ms?: number;
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  text?: string;
  chunkBytes?: number;
  pauseMs?: number;
  code?: number | null;
  reason?: string;
  error?: string;
  messageType?: string;
}

export interface Fault extends FaultFields {
  id: number;
  kind: FaultKind;
  applied: number;
}

export interface HttpJournalEntry {
  kind: "http";
  sequence: number;
  time: number;
  listener: Listener;
  method: string;
  path: string;
  query: string | null;
  headers: [string, string][];
  bodySize: number;
  bodyPreview: string;
  /** null when a fault gave no answer. */
  status: number | null;
  /** The kind of the fault that acted, if one did. */
  fault: FaultKind | null;
  durationMs: number;
}

export interface SyncJournalEntry {
  kind: "sync";
  sequence: number;
  time: number;
  listener: Listener;
  session: number;
  direction: "in" | "out";
  messageType: string;
  path: string;
  size: number;
  preview: string;
}

export type JournalEntry = HttpJournalEntry | SyncJournalEntry;

export interface JournalFilter {
  kind?: "http" | "sync";
  listener?: Listener;
  method?: string;
  pathPrefix?: string;
  limit?: number;
}

export interface ListenerState {
  name: Listener;
  host: string;
  port: number;
  enabled: boolean;
}

/** Every document (convex_encoded_json) by table, file and scheduled function. */
export interface State {
  tables: Record<string, Record<string, unknown>[]>;
  files: Record<string, unknown>[];
  scheduledFunctions: Record<string, unknown>[];
}

/** An open sync session (docs/control-api.md, "Sync sessions"). */
export interface SyncSession {
  id: number;
  sessionId: string | null;
  connectionCount: number | null;
  clientVersion: string | null;
  identity: "anonymous" | "admin";
  queries: { queryId: number; udfPath: string; args: unknown[] }[];
  messagesIn: number;
  messagesOut: number;
  [field: string]: unknown;
}

/** A function as the config file declares it (docs/config.md, "functions"). */
export interface FunctionSpec {
  type: "query" | "mutation" | "action";
  visibility?: "public" | "internal";
  [behaviour: string]: unknown;
}

/** The control API of a running mockconvex. Every method rejects with ControlAPIError when it refuses. */
export class MockConvexControl {
  constructor(connection: Connection);
  /** The admin listener, for Convex clients. */
  readonly url: string;
  /** The HTTP-action listener. */
  readonly siteUrl: string | undefined;
  /** The port-80 listener, when it is served. */
  readonly port80Url: string | null;
  readonly adminKey: string | undefined;
  /** Plain data another process passes to `new MockConvexControl(...)`. */
  readonly connection: Connection;
  fault(kind: FaultKind, fields?: FaultFields): Promise<number>;
  faults(): Promise<Fault[]>;
  clearFaults(): Promise<number>;
  /** Newest first. */
  requests(filter?: JournalFilter): Promise<JournalEntry[]>;
  clearRequests(): Promise<number>;
  reset(): Promise<State>;
  setListener(name: Listener, enabled: boolean): Promise<ListenerState>;
  listeners(): Promise<ListenerState[]>;
  declare(path: string, spec: FunctionSpec): Promise<FunctionSpec>;
  undeclare(path: string): Promise<void>;
  syncSessions(): Promise<SyncSession[]>;
  state(): Promise<State>;
  /** A signed JWT for a test user from the built-in test issuer. */
  token(subject: string, options?: { claims?: Record<string, unknown>; expiresInSeconds?: number }): Promise<string>;
  /** Under `mockconvex record`: writes the recording to its `--out` file now. */
  saveRecording(): Promise<SavedRecording>;
}

/** What `POST /_mock/record/save` wrote. */
export interface SavedRecording {
  path: string;
  functions: number;
  cases: number;
  routes: number;
  notRecorded: number;
  keptHandWritten: string[];
}

/** A mockconvex this process started. */
export class MockConvex extends MockConvexControl {
  readonly siteUrl: string;
  readonly adminKey: string;
  readonly command: string[];
  readonly running: boolean;
  readonly stderrLines: string[];
  /** SIGTERM, a bounded wait, then SIGKILL; the exit status (0 after a clean stop, null after a kill). */
  stop(): Promise<number | null>;
  [Symbol.asyncDispose](): Promise<void>;
}

export function startMockConvex(options?: StartOptions): Promise<MockConvex>;

/** `binary`, else `$MOCKCONVEX_BINARY`, else `mockconvex` on PATH. */
export function findBinary(binary?: string | URL): string;

/** mockconvex did not start; the message carries its own reason. */
export class MockConvexStartError extends Error {
  readonly command: string[];
  readonly exitStatus: number | null;
  readonly stderr: string;
}

/** The control API refused a request. */
export class ControlAPIError extends Error {
  readonly status: number;
  readonly code: string;
  readonly serverMessage: string;
}
