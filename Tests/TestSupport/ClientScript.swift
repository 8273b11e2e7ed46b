import Foundation

/// A real Convex client run as a script (the Python `convex` package, or the official JS client
/// under Node) whose steps print one JSON object per line: started, read line by line with
/// bounded waits, and always killed at the end.
public final class ClientScript: @unchecked Sendable {
    private let process = Process()
    private let output = LineCollector()
    private let errors = LineCollector()

    /// The repository's root, where `Tests/Clients` and `.build/python-clients` are.
    public static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// The Python with `convex` 0.8.1 that `make test` installs (`scripts/install-deps.sh`).
    public static var python: String {
        ProcessInfo.processInfo.environment["MOCKCONVEX_PYTHON"] ?? root.appendingPathComponent(".build/python-clients/bin/python").path
    }

    /// The official JS client, kept beside the project (never copied into it).
    public static var jsClient: String {
        ProcessInfo.processInfo.environment["MOCKCONVEX_JS_CLIENT"]
            ?? root.appendingPathComponent("../shared/clients/convex-js-1.45.0/convex-browser.cjs").standardized.path
    }

    /// Debian's `ws` package, which Node needs to give the client a WebSocket.
    public static let nodeWebSocket = "/usr/share/nodejs/ws"

    public enum ScriptError: Error, CustomStringConvertible {
        case missing(String)

        public var description: String {
            switch self {
            case .missing(let what): what
            }
        }
    }

    /// `python Tests/Clients/python/<name> arguments...`.
    public static func python(_ name: String, _ arguments: [String]) throws -> ClientScript {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw ScriptError.missing("no Python with the convex client at \(python): run `make test` (scripts/install-deps.sh installs it) or set MOCKCONVEX_PYTHON")
        }
        return try ClientScript([python, root.appendingPathComponent("Tests/Clients/python/\(name)").path] + arguments)
    }

    /// `node Tests/Clients/js/<name> <client bundle> <ws module> arguments...`.
    public static func node(_ name: String, _ arguments: [String]) throws -> ClientScript {
        guard FileManager.default.fileExists(atPath: jsClient) else {
            throw ScriptError.missing("no official JS client at \(jsClient): it is kept at ../shared/clients beside the project; set MOCKCONVEX_JS_CLIENT to it")
        }
        guard FileManager.default.fileExists(atPath: nodeWebSocket + "/package.json") else {
            throw ScriptError.missing("no \(nodeWebSocket): run `make test` (it installs Debian's node-ws)")
        }
        return try ClientScript([MockConvexProcess.which("node"), root.appendingPathComponent("Tests/Clients/js/\(name)").path, jsClient, nodeWebSocket] + arguments)
    }

    /// Any command whose standard output is the steps (BrowserPage's page server, say).
    init(_ command: [String]) throws {
        process.executableURL = URL(fileURLWithPath: command[0].hasPrefix("/") ? command[0] : MockConvexProcess.which(command[0]))
        process.arguments = Array(command.dropFirst())
        // Away from the checkout, so nothing it writes lands there.
        process.currentDirectoryURL = FileManager.default.temporaryDirectory
        let outPipe = Pipe()
        let errPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = FileHandle.nullDevice
        output.follow(outPipe.fileHandleForReading)
        errors.follow(errPipe.fileHandleForReading)
        try process.run()
    }

    deinit { stop() }

    /// The JSON object the script printed for `step`, waiting at most `timeout` seconds.
    public func step(_ step: String, timeout: Double = 30) -> [String: Any]? {
        let line = output.waitFor({ Self.object($0)?["step"] as? String == step }, timeout: timeout)
        return line.flatMap(Self.object)
    }

    /// Everything printed so far, for failure messages.
    public var transcript: String {
        (output.lines + ["-- stderr --"] + errors.lines).joined(separator: "\n")
    }

    public func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    private static func object(_ line: String) -> [String: Any]? {
        guard line.hasPrefix("{") else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
    }
}
