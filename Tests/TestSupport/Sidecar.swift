import Foundation

/// A real proxy (socat, nginx) running inside a network namespace next to the backend, as a
/// sidecar container shares the backend's network. Started, waited for (bounded), stopped.
public final class Sidecar: @unchecked Sendable {
    public let process = Process()
    private let namespace: NetworkNamespace
    private let cleanup: () -> Void
    private let errors = LineCollector()
    private let exited = DispatchSemaphore(value: 0)

    /// Starts `command` in `namespace` and waits until something accepts on `port` there.
    public init(_ namespace: NetworkNamespace, _ command: [String], port: Int, cleanup: @escaping () -> Void = {}) throws {
        self.namespace = namespace
        self.cleanup = cleanup
        let full = namespace.exec + command
        process.executableURL = URL(fileURLWithPath: MockConvexProcess.which(full[0]))
        process.arguments = Array(full.dropFirst())
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        let err = Pipe()
        process.standardError = err
        errors.follow(err.fileHandleForReading)
        process.terminationHandler = { [exited] _ in exited.signal() }
        try process.run()
        guard Self.waitUntilListening(namespace, port: port) else {
            stop()
            throw SidecarError.notListening(command: command.joined(separator: " "), stderr: errors.lines)
        }
    }

    public enum SidecarError: Error, CustomStringConvertible {
        case notListening(command: String, stderr: [String])
        public var description: String {
            switch self {
            case .notListening(let command, let stderr): "\(command) did not start listening:\n\(stderr.joined(separator: "\n"))"
            }
        }
    }

    deinit { stop() }

    private var stopped = false
    /// SIGKILL, then a bounded wait. Not SIGTERM: children inherit the test runner's blocked
    /// signal mask, so a SIGTERM would stay pending for ever. Neither proxy keeps state worth
    /// a graceful stop, and nginx runs as one process, so nothing is orphaned.
    public func stop() {
        guard !stopped else { return }
        stopped = true
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            _ = exited.wait(timeout: .now() + 10)
        }
        errors.finish()
        cleanup()
    }

    /// Polls (at most `timeout` seconds) until a TCP connect to `port` in `namespace` succeeds.
    public static func waitUntilListening(_ namespace: NetworkNamespace, port: Int, timeout: Double = 10) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let result = try? namespace.run(["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/\(port)"], timeout: 5), result.status == 0 {
                return true
            }
            usleep(20_000)
        }
        return false
    }
}

/// A veth pair joining two namespaces, as two hosts on one network: `firstAddress` in the
/// first, `secondAddress` in the second.
public final class VethLink: @unchecked Sendable {
    private static let counter = Guarded(0)
    public let firstAddress: String
    public let secondAddress: String
    private let name: String
    private let firstNamespace: String
    private var removed = false

    public init(_ first: NetworkNamespace, _ second: NetworkNamespace) throws {
        firstNamespace = first.name
        let number = Self.counter.withLock { value -> Int in value += 1; return value }
        let subnet = "10.\(200 + Int(getpid()) % 50).\(number % 250)"
        firstAddress = "\(subnet).1"
        secondAddress = "\(subnet).2"
        name = "mcv\(getpid() % 10000)x\(number)"
        let steps: [[String]] = [
            ["ip", "link", "add", name + "a", "type", "veth", "peer", "name", name + "b"],
            ["ip", "link", "set", name + "a", "netns", first.name],
            ["ip", "link", "set", name + "b", "netns", second.name],
            ["ip", "-n", first.name, "addr", "add", "\(firstAddress)/24", "dev", name + "a"],
            ["ip", "-n", second.name, "addr", "add", "\(secondAddress)/24", "dev", name + "b"],
            ["ip", "-n", first.name, "link", "set", name + "a", "up"],
            ["ip", "-n", second.name, "link", "set", name + "b", "up"],
        ]
        for step in steps {
            let result = try Command.run(step)
            guard result.status == 0 else { throw NetworkNamespace.NamespaceError(message: "\(step.joined(separator: " ")): \(result.stderr)") }
        }
    }

    deinit { remove() }

    /// Deleting one end deletes the pair (namespaces going away take it with them too).
    public func remove() {
        guard !removed else { return }
        removed = true
        _ = try? Command.run(["ip", "-n", firstNamespace, "link", "del", name + "a"])
    }
}

