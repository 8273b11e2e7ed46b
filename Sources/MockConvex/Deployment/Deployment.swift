import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one emulated deployment every listener and loop serves. Its state sits behind a mutex:
/// with several loops, access is serialised.
public final class Deployment: Sendable {
    public let settings: DeploymentSettings

    struct State {
        var config: DeploymentConfig
        var store = DocumentStore()
        var random = SystemRandomNumberGenerator()
        /// Nanoseconds since the epoch of the latest commit; what `/api/query_ts` reports.
        var latestTimestamp: UInt64
    }

    private let state: Mutex<State>

    public init(settings: DeploymentSettings, config: DeploymentConfig) {
        self.settings = settings
        var initial = State(config: config, latestTimestamp: Self.nowNanoseconds())
        for table in config.tables { initial.store.declareTable(table) }
        for (table, documents) in config.documents {
            for fields in documents { initial.store.insert(into: table, fields: fields, using: &initial.random) }
        }
        state = Mutex(initial)
    }

    /// Checks credentials the way the backend does after reading the body: a wrong admin key
    /// is 401 everywhere; a JWT cannot be accepted since no auth provider is configured.
    public func authenticate(_ credentials: Credentials) throws(ConvexAPIError) -> Identity {
        switch credentials {
        case .none:
            return .anonymous
        case .adminKey(let key):
            guard Self.constantTimeEqual(Array(key.utf8), Array(settings.adminKey.utf8)) else {
                throw ConvexAPIError.unauthenticated("BadAdminKey", "The provided admin key was invalid for this instance")
            }
            return .admin
        case .bearer(let token):
            throw JWTCheck.rejection(for: token)
        }
    }

    public func function(_ path: FunctionPath) -> FunctionSpec? {
        state.withLock { $0.config.functions[path] }
    }

    public var httpRoutes: [HTTPRouteSpec] {
        state.withLock { $0.config.httpRoutes }
    }

    /// Runs a function's behaviour under the lock; a mutation moves the commit timestamp.
    public func run(_ spec: FunctionSpec, path: FunctionPath, arguments: [ConvexValue]) -> FunctionOutcome {
        state.withLock { state in
            let outcome = FunctionRunner.run(spec, path: path, arguments: arguments, store: &state.store, random: &state.random)
            if spec.behaviour.writes, case .success = outcome.result {
                state.latestTimestamp = max(state.latestTimestamp + 1, Self.nowNanoseconds())
            }
            return outcome
        }
    }

    /// The store as it is now: what a query starting now reads, however long it then takes.
    public func snapshot() -> DocumentStore {
        state.withLock { $0.store }
    }

    /// Runs a query on a store read earlier (`snapshot()`); a query cannot write, so nothing
    /// goes back.
    public func runQuery(_ spec: FunctionSpec, path: FunctionPath, arguments: [ConvexValue], on snapshot: DocumentStore) -> FunctionOutcome {
        precondition(!spec.behaviour.writes, "a query cannot write")
        var store = snapshot
        var random = SystemRandomNumberGenerator()
        return FunctionRunner.run(spec, path: path, arguments: arguments, store: &store, random: &random)
    }

    public var latestTimestamp: UInt64 {
        state.withLock { $0.latestTimestamp }
    }

    /// A read of the store, for tests and the control API.
    public func withStore<T>(_ body: (DocumentStore) -> T) -> T {
        state.withLock { body($0.store) }
    }

    static func nowNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }

    /// Compares every byte whatever the first difference, so timing says nothing about the key.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for index in 0..<max(a.count, b.count) {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= x ^ y
        }
        return difference == 0
    }
}
