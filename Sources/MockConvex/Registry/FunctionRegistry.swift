import Atomics
import EventHTTP

/// The app's functions and HTTP routes as declared at one moment: immutable, so every request
/// reads one consistent version without a lock. A redeclaration (`/_mock/functions`,
/// `/_mock/http-routes`, a reset) makes a new registry and swaps it in whole.
final class FunctionRegistry: Sendable, AtomicReference {
    let config: DeploymentConfig

    init(_ config: DeploymentConfig) {
        self.config = config
    }

    /// A function the config declares, or a built-in one.
    func function(_ path: FunctionPath) -> FunctionSpec? {
        config.functions[path] ?? BuiltInFunctions.specs[path]
    }

    /// Whether any declared or built-in function lives in `path`'s module.
    func hasModule(of path: FunctionPath) -> Bool {
        config.functionPaths.contains { $0.module == path.module } || BuiltInFunctions.paths.contains { $0.module == path.module }
    }

    var httpRoutes: [HTTPRouteSpec] { config.httpRoutes }
    var debugRoutes: Bool { config.debugRoutes }

    /// The declared functions as they were declared, in order.
    var functionDeclarations: [(path: FunctionPath, source: JSON)] {
        config.functionPaths.map { ($0, config.functionSources[$0] ?? .null) }
    }
}

/// Where the current registry lives. Readers load it with one atomic read; writers, one at a
/// time, build the next from the current and store it.
final class RegistryCell: Sendable {
    private let current: ManagedAtomic<FunctionRegistry>
    /// Serialises read-modify-write updates, so that two redeclarations never lose one another.
    private let updates = Locked(())
    /// Told after every swap (live queries run again: their functions may answer differently).
    private let listeners = Locked<[@Sendable () -> Void]>([])

    init(_ registry: FunctionRegistry) {
        current = ManagedAtomic(registry)
    }

    var registry: FunctionRegistry {
        current.load(ordering: .acquiring)
    }

    /// Replaces the registry with what `change` makes of the current one's config, and returns
    /// what `change` returned.
    @discardableResult
    func update<T>(_ change: (inout DeploymentConfig) -> T) -> T {
        let result = updates.withLock { _ in
            var config = current.load(ordering: .acquiring).config
            let result = change(&config)
            current.store(FunctionRegistry(config), ordering: .releasing)
            return result
        }
        announce()
        return result
    }

    /// Puts `registry` back whole (a reset to the config).
    func replace(with registry: FunctionRegistry) {
        updates.withLock { _ in current.store(registry, ordering: .releasing) }
        announce()
    }

    /// `handler` runs after every change, on the thread that made it; it should only hand the
    /// news on.
    func subscribe(_ handler: @escaping @Sendable () -> Void) {
        listeners.withLock { $0.append(handler) }
    }

    private func announce() {
        for listener in listeners.withLock({ $0 }) { listener() }
    }
}
