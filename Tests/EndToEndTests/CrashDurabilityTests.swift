import Crypto
import Foundation
import MockConvex
import Synchronization
import Testing
import TestSupport

/// SIGKILL in the middle of a stream of uploads and mutations: after a restart every write
/// that was acknowledged is there and intact, and no half-written blob is left.
@Suite struct CrashDurabilityTests {
    static let rounds = 3
    static let writers = 4

    @Test func acknowledgedWritesSurviveSIGKILL() throws {
        let config = try Fixtures.temporaryFile(StorageEndToEndTests.config)
        let directory = try Fixtures.temporaryDirectory()
        let arguments = ["--port", "0", "--site-proxy-port", "0", "--no-port80", "--config", config, "--data-dir", directory, "--log-level", "warning"]
        let acknowledged = Mutex<(messages: [String: String], files: [String: [UInt8]])>(([:], [:]))

        for round in 0..<Self.rounds {
            let server = try MockConvexProcess(arguments)
            let client = try StorageClient(port: try server.port("admin"))
            let uploadURL = try client.uploadURL()
            let stop = Mutex(false)
            let target = 20 + round * 15
            let threads = (0..<Self.writers).map { writer in
                Thread {
                    var sequence = 0
                    while !stop.withLock({ $0 }) && sequence < 500 {
                        sequence += 1
                        let name = "r\(round)-w\(writer)-\(sequence)"
                        if sequence % 2 == 0 {
                            guard let id = try? client.sendMessage(name) else { return }
                            acknowledged.withLock { $0.messages[id] = name }
                        } else {
                            let digest = SHA256.hash(data: Array(name.utf8))
                            let bytes = [UInt8](repeating: UInt8(sequence & 0xFF), count: 1000 + sequence * 37) + Array(digest)
                            guard let id = try? client.upload(bytes, contentType: "application/x-\(writer)", to: uploadURL) else { return }
                            acknowledged.withLock { $0.files[id] = bytes }
                        }
                    }
                }
            }
            threads.forEach { $0.start() }
            // Kill once this round has had its share of acknowledgements, with writes still under way.
            let deadline = Date().addingTimeInterval(30)
            let before = acknowledged.withLock { $0.messages.count + $0.files.count }
            while acknowledged.withLock({ $0.messages.count + $0.files.count }) < before + target && Date() < deadline {
                usleep(1_000)
            }
            kill(server.process.processIdentifier, SIGKILL)
            #expect(server.waitForExit(timeout: 10) != nil)
            stop.withLock { $0 = true }
            let finished = Date().addingTimeInterval(30)
            while threads.contains(where: { !$0.isFinished }) && Date() < finished { usleep(1_000) }
        }

        let server = try MockConvexProcess(arguments)
        defer { server.stop() }
        let client = try StorageClient(port: try server.port("admin"))
        let expected = acknowledged.withLock { $0 }
        #expect(expected.messages.count >= 20 * Self.rounds / 2)
        let stored = Set(try client.messageIds())
        for (id, _) in expected.messages { #expect(stored.contains(id), "acknowledged message \(id) is missing") }
        for (id, bytes) in expected.files {
            let download = try RawHTTP.get(try client.downloadPath(id), port: client.port)
            #expect(download.status == 200)
            #expect(download.body == bytes, "file \(id) is not intact")
        }
        // No upload was left half-written, and every blob belongs to a row.
        let blobs = try FileManager.default.contentsOfDirectory(atPath: directory + "/blobs").filter { $0 != "tmp" }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory + "/blobs/tmp").isEmpty)
        guard case .array(let rows) = try client.call("query", "files:list", "{}") else { Issue.record("no _storage list"); return }
        #expect(blobs.count == rows.count)
    }
}
