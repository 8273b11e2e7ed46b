import Foundation

/// Runs a program to completion with a time limit and captures what it printed.
public enum Command {
    public struct Result {
        public let status: Int32
        public let stdout: String
        public let stderr: String
        public let timedOut: Bool
    }

    @discardableResult
    public static func run(_ arguments: [String], timeout: Double = 30, environment: [String: String]? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0].hasPrefix("/") ? arguments[0] : MockConvexProcess.which(arguments[0]))
        process.arguments = Array(arguments.dropFirst())
        if let environment { process.environment = environment }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let done = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in done.signal() }
        let outCollector = LineCollector()
        let errCollector = LineCollector()
        outCollector.follow(out.fileHandleForReading)
        errCollector.follow(err.fileHandleForReading)
        try process.run()
        var timedOut = false
        if done.wait(timeout: .now() + timeout) == .timedOut {
            timedOut = true
            // SIGKILL: the child inherited the test runner's blocked signal mask, so SIGTERM
            // (what `terminate()` sends) could stay pending.
            kill(process.processIdentifier, SIGKILL)
            _ = done.wait(timeout: .now() + 5)
        }
        process.waitUntilExit()
        _ = outCollector.waitFor({ _ in false }, timeout: 2)
        _ = errCollector.waitFor({ _ in false }, timeout: 2)
        return Result(status: process.terminationStatus,
                      stdout: outCollector.lines.joined(separator: "\n"),
                      stderr: errCollector.lines.joined(separator: "\n"),
                      timedOut: timedOut)
    }
}
