import EventHTTP
import FoundationEssentials

/// `mockconvex record`: where the function API and HTTP actions are forwarded, and what passed
/// through, kept until it is saved as a config that replays it (`RecordingConfig`). Shared by
/// every loop; calls are kept in the order their answers came.
public final class Recording: Sendable {
    public struct Upstream: Sendable {
        /// The deployment's URL, for the function API (`https://happy-otter-123.convex.cloud`).
        public let url: String
        /// Its HTTP actions' origin (`https://happy-otter-123.convex.site`, or `{url}/http`).
        public let siteURL: String

        public init(url: String, siteURL: String) {
            self.url = url
            self.siteURL = siteURL
        }
    }

    public let upstream: Upstream
    public let outputPath: String
    let redaction: Redaction
    /// The file's config when recording began: what the recording is merged into.
    private let base: JSON
    private let state = Locked(State())
    private let mutationListeners = Locked<[@Sendable () -> Void]>([])

    private struct State {
        /// Sync mutations' first answers, by session and request id, for a client that sends
        /// one again after a reconnect; the oldest go first past `maxRememberedMutations`.
        var forwardedMutations: [String: FunctionOutcome] = [:]
        var mutationOrder: [String] = []
        var calls: [RecordedCall] = []
        var exchanges: [RecordedExchange] = []
        var secrets: Set<String> = []
        /// Answers that could not be kept (`RecordedAnswer`, `RecordedExchange`).
        var skipped = 0
    }

    /// Reads the config already at `outputPath`, if any: one that cannot be read stops the start
    /// rather than be overwritten by the first save.
    public init(upstream: Upstream, outputPath: String, redactedFields: [String], adminKey: String) throws(ConfigError) {
        self.upstream = upstream
        self.outputPath = outputPath
        redaction = Redaction(fields: Set(redactedFields))
        if let bytes = FileManager.default.contents(atPath: outputPath) {
            base = try Self.readBase(Array(bytes), path: outputPath)
        } else {
            base = .object([])
        }
        noteSecret(adminKey)
    }

    /// The file's JSON, once it is known to be a config mockconvex reads.
    private static func readBase(_ bytes: [UInt8], path: String) throws(ConfigError) -> JSON {
        let document = try DeploymentConfig.document(bytes)
        _ = try ConfigReader.read(document, baseDirectory: DeploymentConfig.baseDirectory(of: path))
        return document
    }

    /// A secret that passed through (the admin key, a user's token): cut out of whatever is saved.
    public func noteSecret(_ secret: String) {
        guard !secret.isEmpty else { return }
        state.withLock { _ = $0.secrets.insert(secret) }
    }

    /// A call's outcome, kept as a case when a stub can give it back, else counted as not recorded.
    func record(path: String, kind: FunctionSpec.Kind?, args: ConvexObject, outcome: FunctionOutcome) {
        // mockconvex's own functions (an upstream that is a mockconvex has them) are refused in a config.
        let reserved = (try? FunctionPath(parsing: path)).map(BuiltInFunctions.isReserved) ?? true
        let answer = reserved ? nil : RecordedAnswer(outcome)
        state.withLock { state in
            guard let answer else { return state.skipped += 1 }
            state.calls.append(RecordedCall(path: path, kind: kind, args: args, answer: answer))
        }
    }

    /// An answer that passed through but could not be read as a function's (not JSON, say).
    func notRecorded() {
        state.withLock { $0.skipped += 1 }
    }

    func record(_ exchange: RecordedExchange?) {
        state.withLock { state in
            if let exchange { state.exchanges.append(exchange) } else { state.skipped += 1 }
        }
    }

    static let maxRememberedMutations = 10_000

    func forwardedMutation(_ identifier: String) -> FunctionOutcome? {
        state.withLock { $0.forwardedMutations[identifier] }
    }

    func rememberMutation(_ identifier: String, _ outcome: FunctionOutcome) {
        state.withLock { state in
            guard state.forwardedMutations.updateValue(outcome, forKey: identifier) == nil else { return }
            state.mutationOrder.append(identifier)
            if state.mutationOrder.count > Self.maxRememberedMutations {
                state.forwardedMutations[state.mutationOrder.removeFirst()] = nil
            }
        }
    }

    /// A mutation passed through: sync sessions run their queries again upstream.
    func mutationPassed() {
        for listener in mutationListeners.withLock({ $0 }) { listener() }
    }

    /// `handler` runs on the thread that forwarded the mutation; it should only hand the news on.
    func onMutation(_ handler: @escaping @Sendable () -> Void) {
        mutationListeners.withLock { $0.append(handler) }
    }

    /// One line per function, per case and per route: the top level, its sections, their
    /// entries, and a function's `cases` and `sequence`; everything inside them compact.
    static func layout(level: Int, key: String?) -> Bool {
        level < 3 || (level == 3 && (key == "cases" || key == "sequence"))
    }

    public struct Saved: Sendable {
        public let path: String
        public let functions: Int
        public let cases: Int
        public let routes: Int
        public let skipped: Int
        public let keptHandWritten: [String]
    }

    /// Writes the recording (merged into the file's config from before) to `outputPath`,
    /// whole or not at all: a new file renamed over the old one.
    public func save() throws(PersistenceError) -> Saved {
        let (calls, exchanges, secrets, skipped) = state.withLock { ($0.calls, $0.exchanges, $0.secrets, $0.skipped) }
        let builder = RecordingConfig(calls: calls, exchanges: exchanges, redaction: redaction, secrets: secrets)
        let (config, summary) = builder.merged(into: base)
        let bytes = JSONWriter.indented(config, expand: Self.layout)
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: outputPath), options: .atomic)
        } catch {
            throw PersistenceError("cannot write the recording to \(outputPath): \(error)")
        }
        return Saved(path: outputPath, functions: summary.functions, cases: summary.cases, routes: summary.routes,
                     skipped: skipped, keptHandWritten: summary.keptHandWritten)
    }
}
