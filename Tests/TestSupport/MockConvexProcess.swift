import Foundation

/// The real `mockconvex` binary in a child process, as memcached's tests run memcached: it is
/// started on ports the tests ask for (usually 0), its startup lines tell where it listens,
/// and it is always stopped, even when a test fails.
public final class MockConvexProcess: @unchecked Sendable {
    /// `MOCKCONVEX_BINARY` (set by `make test`), else the debug build next to the sources.
    public static var binary: String {
        if let path = ProcessInfo.processInfo.environment["MOCKCONVEX_BINARY"] { return path }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/mockconvex").path
    }

    /// A shell-free way to run a command: `ip netns exec NAME`, `setpriv ...` prefixes.
    public let process = Process()
    private let output = LineCollector()
    private let errors = LineCollector()
    private let exited = DispatchSemaphore(value: 0)
    /// False when `run()` failed: a process that never started has no status to read.
    private var launched = false

    /// Starts `mockconvex arguments...` (behind `prefix`, e.g. `ip netns exec ns`) and, when
    /// `waitUntilReady`, waits (at most `timeout` seconds) for its `mockconvex ready` line.
    /// `binary` is another build of mockconvex (the container's static one).
    public init(_ arguments: [String], prefix: [String] = [], environment: [String: String] = [:],
                waitUntilReady: Bool = true, timeout: Double = 20, binary: String = MockConvexProcess.binary) throws {
        // `make test-sanitize` runs the ThreadSanitizer pass with MOCKCONVEX_THREADS=2, so every
        // server the tests start serves on two loops.
        var arguments = arguments
        if let threads = ProcessInfo.processInfo.environment["MOCKCONVEX_THREADS"], !arguments.contains("--threads"),
           arguments.first.map({ !["probe", "healthcheck"].contains($0) }) ?? true {
            arguments += ["--threads", threads]
        }
        let command = prefix + [binary] + arguments
        process.executableURL = URL(fileURLWithPath: command[0].hasPrefix("/") ? command[0] : Self.which(command[0]))
        process.arguments = Array(command.dropFirst())
        var env = ProcessInfo.processInfo.environment
        for key in ["CONVEX_CLOUD_ORIGIN", "CONVEX_SITE_ORIGIN", "INSTANCE_NAME", "INSTANCE_SECRET", "CONVEX_RELEASE_VERSION_DEV", "DISABLE_METRICS_ENDPOINT", "HTTP_SERVER_TIMEOUT_SECONDS"] {
            env[key] = nil
        }
        env.merge(environment) { $1 }
        process.environment = env
        let outPipe = Pipe()
        let errPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        let exited = self.exited
        process.terminationHandler = { _ in exited.signal() }
        output.follow(outPipe.fileHandleForReading)
        errors.follow(errPipe.fileHandleForReading)
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw HarnessError.noBinary(binary) }
        try process.run()
        launched = true
        if waitUntilReady {
            guard output.waitFor({ $0 == "mockconvex ready" }, timeout: timeout) != nil else {
                stop()
                throw HarnessError.notReady(stdout: output.lines, stderr: errors.lines)
            }
        }
    }

    deinit { stop() }

    public enum HarnessError: Error, CustomStringConvertible {
        case notReady(stdout: [String], stderr: [String])
        case noSuchListener(String, [String])
        case noBinary(String)

        public var description: String {
            switch self {
            case .notReady(let out, let err): "mockconvex did not become ready.\nstdout:\n\(out.joined(separator: "\n"))\nstderr:\n\(err.joined(separator: "\n"))"
            case .noSuchListener(let name, let out): "no listener \(name) in:\n\(out.joined(separator: "\n"))"
            case .noBinary(let path): "no mockconvex binary at \(path): run `swift build` or set MOCKCONVEX_BINARY"
            }
        }
    }

    public var stdoutLines: [String] { output.lines }
    public var stderrLines: [String] { errors.lines }

    /// The port a listener reported in its `mockconvex listening: NAME http://HOST:PORT` line.
    public func port(_ listener: String) throws -> Int {
        let prefix = "mockconvex listening: \(listener) http://"
        guard let line = output.lines.first(where: { $0.hasPrefix(prefix) }),
              let colon = line.lastIndex(of: ":"), let port = Int(line[line.index(after: colon)...])
        else { throw HarnessError.noSuchListener(listener, output.lines) }
        return port
    }

    public var adminKey: String? {
        output.lines.first { $0.hasPrefix("mockconvex admin key") }.map { String($0[$0.range(of: ": ")!.upperBound...]) }
    }

    /// Waits at most `timeout` seconds for a stderr line that satisfies `condition`.
    public func waitForStderr(timeout: Double = 10, _ condition: @escaping (String) -> Bool) -> String? {
        errors.waitFor(condition, timeout: timeout)
    }

    /// How many descriptors the server holds open now, from `/proc/PID/fd`; nil once it is gone.
    public var openDescriptors: Int? {
        try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(process.processIdentifier)/fd").count
    }

    /// Waits (at most `timeout` seconds) until the server holds at most `count` descriptors,
    /// as it does once it has noticed and closed connections a client dropped; the last count.
    @discardableResult
    public func waitForDescriptors(atMost count: Int, timeout: Double = 5) -> Int? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let now = openDescriptors
            if let now, now <= count { return now }
            if Date() >= deadline { return now }
            usleep(5_000)
        }
    }

    /// Sends `signal` (SIGTERM by default) and waits at most `timeout` seconds for the exit.
    /// Returns the exit status, or nil if it did not exit in time (it is then killed).
    @discardableResult
    public func stop(signal: Int32 = SIGTERM, timeout: Double = 10) -> Int32? {
        guard launched else { return nil }
        guard process.isRunning else { return process.terminationStatusIfExited }
        kill(process.processIdentifier, signal)
        if let status = waitForExit(timeout: timeout) { return status }
        kill(process.processIdentifier, SIGKILL)
        _ = waitForExit(timeout: 10)
        return nil
    }

    /// Waits (at most `timeout` seconds) until the process is dead: a zombie not yet reaped, or
    /// gone. After SIGKILL this is what matters (it serves nothing and holds no file or lock),
    /// and it does not depend on when Foundation reaps the child and reports its status, which
    /// under load has taken longer than 10 s.
    public func waitUntilDead(timeout: Double = 10) -> Bool {
        Self.waitUntilDead(process.processIdentifier, timeout: timeout)
    }

    /// The same for any process, by its id.
    static func waitUntilDead(_ pid: Int32, timeout: Double = 10) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        let stat = "/proc/\(pid)/stat"
        while true {
            guard let text = try? String(contentsOfFile: stat, encoding: .utf8),
                  let afterName = text.range(of: ") ") else { return true }
            if text[afterName.upperBound...].hasPrefix("Z") { return true }
            if Date() >= deadline { return false }
            usleep(1_000)
        }
    }

    /// Waits at most `timeout` seconds for the process to exit by itself; its status, or nil.
    public func waitForExit(timeout: Double = 10) -> Int32? {
        guard launched else { return nil }
        if !process.isRunning { return process.terminationStatusIfExited }
        guard exited.wait(timeout: .now() + timeout) == .success else { return nil }
        exited.signal()
        process.waitUntilExit()
        output.finish()
        errors.finish()
        return process.terminationStatus
    }

    static func which(_ name: String) -> String {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return "/usr/bin/\(name)"
    }
}

extension Process {
    var terminationStatusIfExited: Int32? { isRunning ? nil : terminationStatus }
}

/// Lines read from a pipe by a background thread, with bounded waits for a line to appear.
final class LineCollector: @unchecked Sendable {
    private let state = Guarded<(lines: [String], partial: [UInt8], done: Bool)>(([], [], false))
    private let arrived = DispatchSemaphore(value: 0)

    var lines: [String] { state.withLock { $0.lines } }

    /// Reads `handle` to its end on a thread of its own, then closes it: the thread is the only
    /// owner, so each pipe's descriptor goes when its writer has gone.
    func follow(_ handle: FileHandle) {
        Thread { [self] in
            defer { try? handle.close() }
            while true {
                let data = handle.availableData
                if data.isEmpty { break }
                state.withLock { state in
                    for byte in data {
                        if byte == 10 {
                            state.lines.append(String(decoding: state.partial, as: UTF8.self))
                            state.partial = []
                        } else {
                            state.partial.append(byte)
                        }
                    }
                }
                arrived.signal()
            }
            finish()
        }.start()
    }

    func finish() {
        state.withLock { state in
            if !state.partial.isEmpty {
                state.lines.append(String(decoding: state.partial, as: UTF8.self))
                state.partial = []
            }
            state.done = true
        }
        arrived.signal()
    }

    /// The first line satisfying `condition`, waiting at most `timeout` seconds for it.
    func waitFor(_ condition: (String) -> Bool, timeout: Double) -> String? {
        let deadline = DispatchTime.now() + timeout
        while true {
            let (found, done) = state.withLock { ($0.lines.first(where: condition), $0.done) }
            if let found { return found }
            if done { return nil }
            if arrived.wait(timeout: deadline) == .timedOut {
                return state.withLock { $0.lines.first(where: condition) }
            }
        }
    }
}
