import EventHTTP

/// Everything the `/_mock/` routes act on, shared by every loop: the deployment, the request
/// journal, the faults and the listeners.
public final class ControlAPI: Sendable {
    public struct Options: Sendable {
        /// When set, every control route needs `Authorization: Bearer <token>`.
        public var token: String?
        public var journalSize = RequestJournal.defaultCapacity

        public init() {}
    }

    static let pathPrefix = "/_mock/"

    let deployment: Deployment
    let journal: RequestJournal
    let faults = FaultSet()
    let token: String?
    let listeners = ListenerSwitch()

    init(deployment: Deployment, options: Options = Options()) {
        self.deployment = deployment
        journal = RequestJournal(capacity: options.journalSize)
        token = options.token
        installConfigFaults()
    }

    /// The config's faults, as they were at start (they were checked when the config was read).
    func installConfigFaults() {
        for (index, source) in deployment.initialFaults.enumerated() {
            if let rule = try? FaultRule.read(source, at: JSONPath.root.key("faults").index(index), randomSeed: Self.randomSeed()) {
                _ = faults.add(rule)
            }
        }
    }

    /// Lets the listener routes reach the server once it exists.
    func attach(_ server: any ListenerControl) {
        listeners.attach(server)
    }

    static func randomSeed() -> UInt64 {
        UInt64.random(in: 0...UInt64(Int32.max))
    }

    static func isControlPath(_ path: String) -> Bool {
        path.hasPrefix(pathPrefix) || path == "/_mock"
    }
}
