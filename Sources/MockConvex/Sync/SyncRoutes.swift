import EventHTTP

/// `GET /api/sync` and `GET /api/{client version}/sync`: the upgrade to the sync protocol, as
/// the backend's router and its WebSocket extractor answer it. Any other path under `/api/`
/// ending in `/sync` is not a route (404, as everywhere).
struct SyncRoutes {
    static let path = "/api/sync"

    let deployment: Deployment
    let hub: SyncHub
    /// The control API's faults and journal, when it is on.
    let control: ControlAPI?
    let settings: WebSocketSettings
    /// How long a client may leave its held updates unread (`--send-timeout`).
    let sendTimeout: Duration

    /// The backend drops a client silent for 120 s (`CLIENT_TIMEOUT`) with this reason.
    static func socketSettings(maxMessageBytes: Int) -> WebSocketSettings {
        WebSocketSettings(maxMessageBytes: maxMessageBytes, maxBufferedOutputBytes: max(64 << 20, maxMessageBytes.multipliedReportingOverflow(by: 2).overflow ? .max : maxMessageBytes * 2),
                          idleTimeout: .seconds(120), idleCloseReason: "ClientDisconnected")
    }

    /// The version a sync path names, if `path` is one: `""` for `/api/sync`.
    static func versionSegment(of path: String) -> String? {
        if path == Self.path { return "" }
        guard path.hasPrefix("/api/"), path.hasSuffix("/sync") else { return nil }
        let middle = path.dropFirst("/api/".count).dropLast("/sync".count)
        guard !middle.isEmpty, !middle.contains("/") else { return nil }
        return String(middle)
    }

    func handle(_ request: HTTPRequest, version: String, _ responder: Responder) throws(ConvexAPIError) {
        guard request.method == .GET || request.method == .HEAD else {
            return responder.send(ConvexResponses.methodNotAllowed([.GET]))
        }
        let clientVersion = try Self.clientVersion(request, pathVersion: version)
        let answer = try SyncHandshake.accept(request)
        let socket = SyncSocket(deployment: deployment, hub: hub, control: control, clientVersion: clientVersion,
                                path: request.path, sendTimeout: sendTimeout)
        _ = responder.upgradeToWebSocket(response: answer, settings: settings, handler: socket)
    }

    /// `Convex-Client` first, else the version in the path (the npm client's), else unknown;
    /// a path version must be a semantic version, and an unsupported client is refused.
    private static func clientVersion(_ request: HTTPRequest, pathVersion: String) throws(ConvexAPIError) -> ClientVersion {
        if request.headers["Convex-Client"] != nil { return try ClientVersion(header: request.headers["Convex-Client"]) }
        guard !pathVersion.isEmpty else { return .unknown }
        guard let version = ClientVersion.fromSyncPath(pathVersion) else {
            throw .badRequest("InvalidVersion", "Failed to parse client version: \(pathVersion) is not a semantic version")
        }
        if case .unsupported(let message) = version.supportState {
            var error = ConvexAPIError.badRequest("ClientVersionUnsupported", message)
            error.headers = ["x-convex-deprecation-state": "Unsupported", "x-convex-deprecation-message": message]
            throw error
        }
        return version
    }
}

/// One upgraded socket: it makes the session once the socket is open and passes it what
/// arrives; the session answers through the socket.
final class SyncSocket: WebSocketHandler {
    private let deployment: Deployment
    private let hub: SyncHub
    private let control: ControlAPI?
    private let clientVersion: ClientVersion
    private let path: String
    private let sendTimeout: Duration
    private var session: SyncSession?

    init(deployment: Deployment, hub: SyncHub, control: ControlAPI?, clientVersion: ClientVersion, path: String,
         sendTimeout: Duration) {
        self.deployment = deployment
        self.hub = hub
        self.control = control
        self.clientVersion = clientVersion
        self.path = path
        self.sendTimeout = sendTimeout
    }

    func webSocketOpened(_ socket: WebSocket) {
        let session = SyncSession(id: deployment.syncSessions.nextId(), connection: socket, deployment: deployment,
                                  loop: socket.loop, clientVersion: clientVersion)
        session.listener = socket.listener
        session.path = path
        session.heldOutputTimeout = sendTimeout
        if let control {
            session.faults = control.faults
            let journal = control.journal
            let (id, listener, path) = (session.id, socket.listener, path)
            // Recording, the tokens are a real deployment's: the journal keeps none.
            let recording = deployment.settings.recording != nil
            session.observer = { event in
                let kept = recording && event.type == "Authenticate" ? event.withoutCredentials : event
                journal.record(.sync(kept, session: id, listener: listener, path: path))
            }
        }
        hub.add(session)
        self.session = session
    }

    func webSocket(_ socket: WebSocket, receivedText message: [UInt8]) {
        session?.received(text: message)
    }

    func webSocket(_ socket: WebSocket, receivedBinary message: [UInt8]) {
        session?.receivedBinary()
    }

    func webSocketOutputDrained(_ socket: WebSocket) {
        session?.outputDrained()
    }

    func webSocketClosed(_ socket: WebSocket, _ reason: WebSocketCloseReason) {
        session?.closed()
        session = nil
    }
}

extension WebSocket: SyncConnection {}
