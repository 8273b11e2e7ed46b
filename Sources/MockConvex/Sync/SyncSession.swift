import EventHTTP

/// The socket a session talks through: EventHTTP's WebSocket, or a test's recorder.
protocol SyncConnection: AnyObject {
    /// False when the socket could not take it (closed, or its output is over the bound).
    @discardableResult func send(text: [UInt8]) -> Bool
    @discardableResult func sendPing() -> Bool
    /// A Close frame with `code` and `reason`, or with no payload at all when `code` is nil.
    func close(code: UInt16?, reason: String)
    /// Bytes queued and not yet written to the peer.
    var bufferedOutputBytes: Int { get }
    /// Asks to be told (`SyncSession.outputDrained`) once what is queued has been written.
    func notifyWhenOutputDrains()
}

/// One client of the sync protocol (`/api/sync`), as the backend's sync worker serves it: its
/// query set and versions, its identity, its mutations (one at a time, in order) and actions,
/// and a Transition for every change, chained from zero on every connection. Confined to the
/// loop of its socket; testable without one.
final class SyncSession {
    struct Subscription {
        let path: FunctionPath
        let args: [JSON]
        let journal: String?
        /// What was last sent for it; nil until its first run.
        var lastAnswer: QueryAnswer?
        /// `mockconvex record`: its first answer from the upstream's function is recorded.
        var recorded = false
        var reads: ReadSet { lastAnswer?.reads ?? ReadSet() }
    }

    /// How a session ends on a bad message, as the backend ends its socket (sync-protocol.md §5.4).
    enum Failure: Equatable {
        /// A deterministic user error (BadRequest): a `FatalError`, then a Close without payload.
        case fatal(String)
        /// A rejected `Authenticate`: an `AuthError`, then a Close without payload.
        case authentication(String)
        /// `mockconvex record`: the upstream refused (401) the credentials of the `Authenticate`
        /// whose base version this is, when a call first used them: the same `AuthError`.
        case upstreamRejected(String, baseVersion: UInt32)
        /// The signed-in user's token expired since its `Authenticate` (the backend's
        /// `TokenExpired`, found before a mutation, an action or a query update): an
        /// `AuthError` that attempted no update, then a Close without payload.
        case identityExpired
        /// Anything without error metadata: Close 1011 `InternalServerError`.
        case internalError
        /// The backend's rate limits (`RateLimited`): Close 1013 with the error's short message.
        case overloaded(String)
    }

    let id: Int
    let deployment: Deployment
    let loop: EventLoop
    let clientVersion: ClientVersion
    private(set) weak var connection: (any SyncConnection)?
    /// The loop's hub, which hears of commits and keeps sessions alive while their socket is.
    weak var hub: SyncHub?

    var identity: Identity = .anonymous
    /// The last `endVersion` sent.
    var sent = StateVersion()
    var receivedQuerySet: UInt32 = 0
    var receivedIdentity: UInt32 = 0
    var subscriptions: [UInt32: Subscription] = [:]
    /// Queries to run (added, or invalidated) and removed, for the next Transition.
    var toRun: Set<UInt32> = []
    var removed: [UInt32] = []
    var rerunEverything = false
    var updateScheduled = false
    /// Set while a Transition waits for a slow client to read what it was sent.
    var heldForOutput = false
    var heldTimer: ScheduledTimer?
    /// How long a held Transition waits for the client to read before the socket is closed.
    var heldOutputTimeout: Duration = .seconds(30)
    /// Held back by a `delay` socket fault.
    var transitionDelay: Duration = .zero
    /// With the identity (and, recording, the upstream credentials) each arrived under.
    var mutations: [(requestId: UInt32, path: FunctionPath, args: [JSON], identity: Identity, identifier: String?, authorization: String?)] = []
    var actionsRunning = 0
    var mutationRunning = false
    /// Set while `runNextMutation` is taking mutations off the queue.
    var startingMutations = false
    var clientClockSkew: Int64?
    /// Set while an `Authenticate` waits for its provider's keys. The backend handles a
    /// socket's messages in order, so what arrives meanwhile (a mutation the client sent right
    /// after signing in, say) waits in `heldMessages` and runs under the new identity.
    var authenticating = false
    var heldMessages: [[UInt8]] = []
    /// A client that keeps sending while its token is checked is closed like one that queues
    /// too many mutations.
    static let maxHeldMessages = 1_000
    /// And in bytes: a thousand messages of the 64 MiB each may carry would be 64 GB.
    static let maxHeldBytes = 64 << 20
    private(set) var connect: ClientMessage.Connect?
    private(set) var isClosed = false
    /// Monotonic nanoseconds of the last message sent, for the idle `Ping`.
    var lastSentAt = EventLoop.monotonicNanoseconds()
    private(set) var messagesIn = 0
    private(set) var messagesOut = 0
    /// Told of every message in and out (the journal).
    var observer: ((SyncEvent) -> Void)?
    /// The control API's faults, and where this session is as they match it.
    var faults: FaultSet?
    var listener = ""
    var path = "/api/sync"
    /// `mockconvex record`: the `Authorization` the session's calls carry upstream, and the
    /// base version of the `Authenticate` that gave it.
    var upstreamAuthorization: String?
    var upstreamAuthorizationBase: UInt32 = 0
    /// `mockconvex record`: set while a Transition's queries are asked upstream, and whether
    /// another is wanted when they are answered.
    var askingUpstream = false
    var askUpstreamAgain = false
    /// `mockconvex record`: the last timestamp handed out (mutations, Transitions), so that
    /// they only grow.
    var upstreamClock: UInt64 = 0

    init(id: Int, connection: any SyncConnection, deployment: Deployment, loop: EventLoop, clientVersion: ClientVersion) {
        self.id = id
        self.connection = connection
        self.deployment = deployment
        self.loop = loop
        self.clientVersion = clientVersion
    }

    // MARK: In

    /// One text message from the client.
    func received(text: [UInt8]) {
        guard !isClosed else { return }
        if authenticating {
            // Summed here (at most a thousand counts) rather than kept, so no path that empties
            // the list can leave a stale total.
            let heldBytes = heldMessages.reduce(text.count) { $0 + $1.count }
            guard heldMessages.count < Self.maxHeldMessages, heldBytes <= Self.maxHeldBytes else {
                return fail(.overloaded("TooManyMessagesWhileAuthenticating"))
            }
            return heldMessages.append(text)
        }
        messagesIn += 1
        let message: ClientMessage
        do {
            message = try ClientMessage.parse(text)
        } catch {
            observer?(SyncEvent(direction: .in, type: "Invalid", size: text.count, preview: text))
            return fail(.fatal("Received Invalid JSON on websocket: \(error.reason)"))
        }
        observer?(SyncEvent(direction: .in, type: message.typeName, size: text.count, preview: text))
        if let fault = faults?.takeSessionFault(listener: listener, sessionPath: path, messageType: message.typeName) {
            fault.act(on: self)
            if isClosed { return }
        }
        switch message {
        case .connect(let connect):
            self.connect = connect
            if let clientTs = connect.clientTs { clientClockSkew = clientTs &- Int64(Database.nowNanoseconds() / 1_000_000) }
        case .modifyQuerySet(let base, let new, let modifications):
            modifyQuerySet(base: base, new: new, modifications)
        case .mutation(let requestId, let path, let args):
            guard !identityExpired else { return fail(.identityExpired) }
            queueMutation(requestId: requestId, path: path, args: args)
        case .action(let requestId, let path, let args):
            guard !identityExpired else { return fail(.identityExpired) }
            runAction(requestId: requestId, path: path, args: args)
        case .authenticate(let base, let token):
            authenticate(base: base, token)
        case .event:
            break
        }
    }

    /// True once the signed-in user's token is past its `exp` (no leeway: the backend's
    /// `is_expired`). The identity is checked when it is used, not only when it arrives.
    var identityExpired: Bool {
        identity.user.map { deployment.clock() >= $0.expiration } ?? false
    }

    /// A binary frame: the backend takes only text ("Unexpected message type").
    func receivedBinary() {
        fail(.internalError)
    }

    /// The socket is gone (closed by either side, or dropped).
    func closed() {
        isClosed = true
        heldTimer?.cancel()
        heldTimer = nil
        mutations = []
        hub?.remove(self)
    }

    // MARK: Out

    func send(_ message: ServerMessage) {
        guard !isClosed, let connection else { return }
        let bytes = message.serialized
        messagesOut += 1
        lastSentAt = EventLoop.monotonicNanoseconds()
        observer?(SyncEvent(direction: .out, type: message.typeName, size: bytes.count, preview: bytes))
        if !connection.send(text: bytes) { closed() }
    }

    /// Ends the session as the backend ends a socket that failed.
    func fail(_ failure: Failure) {
        guard !isClosed else { return }
        switch failure {
        case .fatal(let error):
            send(.fatalError(error))
            connection?.close(code: nil, reason: "")
        case .authentication(let error):
            send(.authError(error: error, baseVersion: receivedIdentity, authUpdateAttempted: true))
            connection?.close(code: nil, reason: "")
        case .upstreamRejected(let error, let base):
            send(.authError(error: error, baseVersion: base, authUpdateAttempted: true))
            connection?.close(code: nil, reason: "")
        case .identityExpired:
            send(.authError(error: "Convex token identity expired", baseVersion: receivedIdentity, authUpdateAttempted: false))
            connection?.close(code: nil, reason: "")
        case .internalError:
            connection?.close(code: 1011, reason: "InternalServerError")
        case .overloaded(let shortMessage):
            connection?.close(code: 1013, reason: shortMessage)
        }
        closed()
    }

    /// Closes the socket from the server's side (a fault, or the control API).
    func drop(code: UInt16?, reason: String) {
        guard !isClosed else { return }
        connection?.close(code: code, reason: reason)
        closed()
    }

    /// Keep-alives: a JSON `Ping` after 15 s without any other message (for the JS client,
    /// which sees no WebSocket pings), and a WebSocket ping every 5 s (for Rust's).
    func keepAlive(now: UInt64, jsonAfter: UInt64 = 15_000_000_000) {
        guard !isClosed else { return }
        connection?.sendPing()
        if now &- lastSentAt >= jsonAfter { send(.ping) }
    }

    /// The session as the control API lists it.
    var summary: JSON {
        .object([
            ("id", .integer(Int64(id))),
            ("sessionId", connect.map { .string($0.sessionId) } ?? .null),
            ("connectionCount", connect.map { .integer(Int64($0.connectionCount)) } ?? .null),
            ("clientVersion", .string(clientVersion.description)),
            ("identity", .string(identity.label)),
            ("version", sent.json),
            ("queries", .array(subscriptions.keys.sorted().compactMap { id in
                subscriptions[id].map { .object([("queryId", .integer(Int64(id))), ("udfPath", .string($0.path.stripped)), ("args", .array($0.args))]) }
            })),
            ("messagesIn", .integer(Int64(messagesIn))),
            ("messagesOut", .integer(Int64(messagesOut))),
        ])
    }
}

/// One sync message, as the journal records it.
struct SyncEvent: Sendable {
    enum Direction: String, Sendable { case `in`, out }
    let direction: Direction
    let type: String
    let size: Int
    let preview: [UInt8]

    /// An `Authenticate` with its token left out of the preview.
    var withoutCredentials: SyncEvent {
        SyncEvent(direction: direction, type: type, size: size, preview: Array(#"{"type":"Authenticate","value":"[redacted]"}"#.utf8))
    }
}
