import Foundation
import Testing
import TestSupport

/// The files the binary reads at start (`--config` and the seed files it names): anything but a
/// regular file, or a file over its limit, stops the start at once with exit 2 and says what
/// was wrong, rather than blocking on a FIFO or reading `/dev/zero` until memory runs out.
@Suite(.timeLimit(.minutes(2))) struct StartupFileTests {
    enum NotAFile: String, CaseIterable, Sendable {
        case fifo, characterDevice, directory

        var description: String {
            switch self {
            case .fifo: "a FIFO (named pipe)"
            case .characterDevice: "a character device"
            case .directory: "a directory"
            }
        }

        /// Made in `directory` (the test's own), except `/dev/zero`.
        func make(in directory: String) throws -> String {
            switch self {
            case .fifo:
                let path = directory + "/fifo"
                guard mkfifo(path, 0o600) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
                return path
            case .characterDevice:
                return "/dev/zero"
            case .directory:
                let path = directory + "/folder"
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
                return path
            }
        }
    }

    /// Runs the binary until it exits, for at most 20 s: a start that blocks fails the test
    /// rather than hanging it.
    private func start(_ arguments: [String]) throws -> Command.Result {
        let result = try Command.run([MockConvexProcess.binary] + arguments + ["--port", "0", "--site-proxy-port", "0", "--no-port80"], timeout: 20)
        #expect(!result.timedOut, "the start did not end within 20 s")
        return result
    }

    @Test(arguments: NotAFile.allCases)
    func aConfigThatIsNotAFileIsRefused(_ kind: NotAFile) throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = try kind.make(in: directory)
        let result = try start(["--config", path])
        #expect(result.status == 2)
        #expect(result.stderr == "Error: cannot read --config \(path): it is \(kind.description), not a regular file; give the path of a file")
    }

    @Test(arguments: NotAFile.allCases)
    func aSeedFileThatIsNotAFileIsRefused(_ kind: NotAFile) throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = try kind.make(in: directory)
        let config = directory + "/config.json"
        try #"{"files": [{"path": "\#(path)"}]}"#.write(toFile: config, atomically: true, encoding: .utf8)
        let result = try start(["--config", config])
        #expect(result.status == 2)
        #expect(result.stderr == "Error: cannot read the seed file at $.files[0].path in --config \(path): it is \(kind.description), not a regular file; give the path of a file")
    }

    @Test func aSeedFileOverMaxUploadBytesIsRefusedAndOneAtTheLimitIsServed() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "0123456789".write(toFile: directory + "/seed.txt", atomically: true, encoding: .utf8)
        let config = directory + "/config.json"
        try #"{"files": [{"path": "seed.txt", "contentType": "text/plain"}]}"#.write(toFile: config, atomically: true, encoding: .utf8)

        let refused = try start(["--config", config, "--max-upload-bytes", "9"])
        #expect(refused.status == 2)
        #expect(refused.stderr == "Error: cannot read the seed file at $.files[0].path in --config \(directory)/seed.txt: it is 10 bytes, over the 9 bytes allowed; raise --max-upload-bytes to seed a larger file")

        let server = try MockConvexProcess(["--config", config, "--max-upload-bytes", "10", "--port", "0", "--site-proxy-port", "0", "--no-port80"])
        defer { server.stop() }
        #expect(try RawHTTP.get("/version", port: try server.port("admin")).status == 200)
    }

    /// Measured, not read: a sparse file one byte over 64 MiB is refused without reading it.
    @Test func aConfigOver64MiBIsRefused() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/huge.json"
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: (64 << 20) + 1)
        try handle.close()
        let result = try start(["--config", path])
        #expect(result.status == 2)
        #expect(result.stderr == "Error: cannot read --config \(path): it is 67108865 bytes, over the 67108864 bytes allowed; a config file may be at most 64 MiB, and no flag raises that")
    }
}
