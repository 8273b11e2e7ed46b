import Foundation

/// A network namespace of the test's own (`ip netns`), with loopback up: a separate host in
/// which port 80 is free and the real bind rules apply. Removed, with every process in it,
/// by `remove()` or when released.
public final class NetworkNamespace: @unchecked Sendable {
    private static let counter = Guarded(0)
    public let name: String
    private var removed = false

    public init() throws {
        let number = Self.counter.withLock { value -> Int in value += 1; return value }
        name = "mcx-\(getpid())-\(number)"
        let added = try Command.run(["ip", "netns", "add", name])
        guard added.status == 0 else { throw NamespaceError(message: "ip netns add \(name): \(added.stderr)") }
        try Command.run(["ip", "-n", name, "link", "set", "lo", "up"])
    }

    deinit { remove() }

    public struct NamespaceError: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// The prefix that runs a command inside the namespace.
    public var exec: [String] { ["ip", "netns", "exec", name] }

    @discardableResult
    public func run(_ arguments: [String], timeout: Double = 30) throws -> Command.Result {
        try Command.run(exec + arguments, timeout: timeout)
    }

    public func remove() {
        guard !removed else { return }
        removed = true
        if let pids = try? Command.run(["ip", "netns", "pids", name]) {
            for pid in pids.stdout.split(separator: "\n").compactMap({ Int32($0) }) { kill(pid, SIGKILL) }
        }
        _ = try? Command.run(["ip", "netns", "del", name])
    }
}
