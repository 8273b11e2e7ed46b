import Crypto
import Foundation
@testable import MockConvex
import Testing
import TestSupport

/// A client's whole storage round trip through the real binary: upload URL, upload, URL,
/// download with its digest, a range, delete, 404; in memory and with a data directory.
@Suite(.timeLimit(.minutes(2))) struct StorageEndToEndTests {
    static let config = #"""
        {
          "functions": {
            "files:generateUploadUrl": {"type": "mutation", "storage": "generateUploadUrl"},
            "files:getUrl": {"type": "query", "storage": "getUrl"},
            "files:remove": {"type": "mutation", "storage": "delete"},
            "files:list": {"type": "query", "list": "_storage"},
            "messages:send": {"type": "mutation", "insert": "messages"},
            "messages:list": {"type": "query", "list": "messages"}
          }
        }
        """#

    @Test func theRoundTripInMemory() throws {
        let config = try Fixtures.temporaryFile(Self.config)
        let server = try MockConvexProcess(["--port", "0", "--site-proxy-port", "0", "--no-port80", "--config", config])
        defer { server.stop() }
        let client = try StorageClient(port: try server.port("admin"))
        let bytes = (0..<3000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let id = try client.upload(bytes, contentType: "application/octet-stream")
        #expect(id.hasPrefix("kg2"))
        let url = try client.downloadPath(id)
        let download = try RawHTTP.get(url, port: client.port)
        #expect(download.status == 200)
        #expect(download.body == bytes)
        #expect(download.header("digest") == "sha-256=\(Data(SHA256.hash(data: bytes)).base64EncodedString())")
        #expect(download.header("content-type") == "application/octet-stream")
        let range = try RawHTTP.get(url, port: client.port, headers: [("Range", "bytes=10-19")])
        #expect(range.status == 206)
        #expect(range.body == Array(bytes[10...19]))
        #expect(range.header("content-range") == "bytes 10-19/3000")
        try client.remove(id)
        #expect(try RawHTTP.get(url, port: client.port).status == 404)
    }

    @Test func aTenMebibyteFileComesBackWhole() throws {
        let config = try Fixtures.temporaryFile(Self.config)
        let directory = try Fixtures.temporaryDirectory()
        let server = try MockConvexProcess(["--port", "0", "--site-proxy-port", "0", "--no-port80", "--config", config, "--data-dir", directory])
        defer { server.stop() }
        let client = try StorageClient(port: try server.port("admin"))
        let bytes = try #require(FileHandle(forReadingAtPath: "/dev/urandom")?.readData(ofLength: 10 << 20)).map { $0 }
        let id = try client.upload(bytes, contentType: nil)
        let download = try RawHTTP.get(try client.downloadPath(id), port: client.port)
        #expect(download.body.count == bytes.count)
        #expect(download.body == bytes)
        #expect(download.header("content-type") == nil)
    }

    @Test func everythingSurvivesARestartAndUploadURLsStayValid() throws {
        let config = try Fixtures.temporaryFile(Self.config)
        let directory = try Fixtures.temporaryDirectory()
        let arguments = ["--port", "0", "--site-proxy-port", "0", "--no-port80", "--config", config, "--data-dir", directory]
        var server = try MockConvexProcess(arguments)
        var client = try StorageClient(port: try server.port("admin"))
        let first = try client.upload(Array("first file".utf8), contentType: "text/plain")
        let uploadURL = try client.uploadURL()
        let message = try client.sendMessage("kept")
        #expect(server.stop() == 0)

        server = try MockConvexProcess(arguments)
        defer { server.stop() }
        client = try StorageClient(port: try server.port("admin"))
        #expect(try RawHTTP.get(try client.downloadPath(first), port: client.port).text == "first file")
        #expect(try client.messageIds() == [message])
        // The instance secret is kept, so the URL from before the restart still takes uploads.
        let second = try client.upload(Array("second".utf8), contentType: nil, to: uploadURL)
        #expect(try RawHTTP.get(try client.downloadPath(second), port: client.port).text == "second")
    }

    @Test func aSecondProcessOnTheSameDataDirectoryRefusesToStart() throws {
        let directory = try Fixtures.temporaryDirectory()
        let first = try MockConvexProcess(["--port", "0", "--site-proxy-port", "0", "--no-port80", "--data-dir", directory])
        defer { first.stop() }
        let second = try Command.run([MockConvexProcess.binary, "--port", "0", "--site-proxy-port", "0", "--no-port80", "--data-dir", directory])
        #expect(second.status == 1)
        #expect(second.stderr.contains("the data directory \(directory) is in use by another mockconvex (pid \(first.process.processIdentifier))"))
    }
}

/// The calls an app makes for storage, over real HTTP.
struct StorageClient {
    let port: Int

    init(port: Int) throws {
        self.port = port
    }

    func call(_ kind: String, _ path: String, _ args: String) throws -> JSON {
        let response = try RawHTTP.post("/api/\(kind)", port: port, json: #"{"path":"\#(path)","args":\#(args)}"#)
        guard response.status == 200 else { throw ClientError.status(response.status, response.text) }
        let body = try JSONReader.parse(response.body)
        guard body["status"] == .string("success"), let value = body["value"] else { throw ClientError.failed(response.text) }
        return value
    }

    func uploadURL() throws -> String {
        guard case .string(let url) = try call("mutation", "files:generateUploadUrl", "{}") else { throw ClientError.failed("no URL") }
        return url
    }

    /// Uploads to a fresh upload URL (or `to`), returning the `_storage` id.
    func upload(_ bytes: [UInt8], contentType: String?, to url: String? = nil) throws -> String {
        let target = try Self.pathAndQuery(url ?? uploadURL())
        let headers = contentType.map { [("Content-Type", $0)] } ?? []
        let response = try RawHTTP.send("POST", target, port: port, headers: headers, body: bytes, timeout: 60)
        guard response.status == 200, case .string(let id)? = try JSONReader.parse(response.body)["storageId"] else {
            throw ClientError.status(response.status, response.text)
        }
        return id
    }

    /// The path of the file's download URL (its origin is the configured one, not this port).
    func downloadPath(_ id: String) throws -> String {
        guard case .string(let url) = try call("query", "files:getUrl", #"{"storageId":"\#(id)"}"#) else { throw ClientError.failed("no URL for \(id)") }
        return try Self.pathAndQuery(url)
    }

    func remove(_ id: String) throws {
        _ = try call("mutation", "files:remove", #"{"storageId":"\#(id)"}"#)
    }

    func sendMessage(_ body: String) throws -> String {
        guard case .string(let id) = try call("mutation", "messages:send", #"{"body":"\#(body)"}"#) else { throw ClientError.failed("no id") }
        return id
    }

    func messageIds() throws -> [String] {
        guard case .array(let documents) = try call("query", "messages:list", "{}") else { throw ClientError.failed("no list") }
        return documents.compactMap { if case .string(let id)? = $0["_id"] { id } else { nil } }
    }

    /// Every message's body by id.
    func messageBodies() throws -> [String: String] {
        guard case .array(let documents) = try call("query", "messages:list", "{}") else { throw ClientError.failed("no list") }
        var bodies: [String: String] = [:]
        for document in documents {
            if case .string(let id)? = document["_id"], case .string(let body)? = document["body"] { bodies[id] = body }
        }
        return bodies
    }

    enum ClientError: Error { case status(Int, String), failed(String) }

    static func pathAndQuery(_ url: String) throws -> String {
        guard let components = URLComponents(string: url) else { throw ClientError.failed("bad URL \(url)") }
        return components.percentEncodedPath + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
    }
}

/// A data directory on a small tmpfs: a write that does not fit is refused with 507 and
/// everything acknowledged before is still there.
@Suite(.timeLimit(.minutes(2))) struct FullDiskTests {
    @Test func aFullDiskIsA507AndLosesNothingAcknowledged() throws {
        let config = try Fixtures.temporaryFile(StorageEndToEndTests.config)
        let mountPoint = try Fixtures.temporaryDirectory()
        let mounted = try Command.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mountPoint])
        try #require(mounted.status == 0, "mount tmpfs: \(mounted.stderr)")
        defer { _ = try? Command.run(["umount", "-l", mountPoint]) }
        let server = try MockConvexProcess(["--port", "0", "--site-proxy-port", "0", "--no-port80", "--config", config, "--data-dir", mountPoint + "/data"])
        defer { server.stop() }
        let client = try StorageClient(port: try server.port("admin"))
        let kept = try client.upload(Array("kept".utf8), contentType: "text/plain")
        let message = try client.sendMessage("before")

        let target = try StorageClient.pathAndQuery(client.uploadURL())
        let tooBig = try RawHTTP.send("POST", target, port: client.port, body: [UInt8](repeating: 7, count: 3 << 20))
        #expect(tooBig.status == 507)
        #expect(tooBig.text.hasPrefix(#"{"code":"InsufficientStorage","message":"The disk holding the data directory is full, so nothing was stored: "#))
        #expect(try FileManager.default.contentsOfDirectory(atPath: mountPoint + "/data/blobs/tmp").isEmpty)

        #expect(try RawHTTP.get(try client.downloadPath(kept), port: client.port).text == "kept")
        #expect(try client.messageIds() == [message])
        let after = try client.upload(Array("small".utf8), contentType: nil)
        #expect(try RawHTTP.get(try client.downloadPath(after), port: client.port).text == "small")
    }
}

extension FullDiskTests {
    @Test func aFullDiskRefusesMutationsWith507AndKeepsEverythingAcrossAKill() throws {
        let config = try Fixtures.temporaryFile(StorageEndToEndTests.config)
        let mountPoint = try Fixtures.temporaryDirectory()
        let mounted = try Command.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mountPoint])
        try #require(mounted.status == 0, "mount tmpfs: \(mounted.stderr)")
        defer { _ = try? Command.run(["umount", "-l", mountPoint]) }
        let arguments = ["--port", "0", "--site-proxy-port", "0", "--no-port80", "--config", config, "--data-dir", mountPoint + "/data"]
        var server = try MockConvexProcess(arguments)
        defer { server.stop() }
        var client = try StorageClient(port: try server.port("admin"))
        var messages: [String] = []
        var files: [String: [UInt8]] = [:]
        // Fill the disk with acknowledged uploads and messages until it refuses; at most 100 of each.
        let url = try client.uploadURL()
        for index in 0..<100 {
            let bytes = [UInt8](repeating: UInt8(index), count: 100_000)
            guard let id = try? client.upload(bytes, contentType: "application/octet-stream", to: url) else { break }
            files[id] = bytes
        }
        var refused: RawHTTP.Response?
        for index in 0..<100 {
            let body = String(repeating: "m", count: 4000) + "\(index)"
            let response = try RawHTTP.post("/api/mutation", port: client.port, json: #"{"path":"messages:send","args":{"body":"\#(body)"}}"#)
            guard response.status == 200, case .string(let id)? = try JSONReader.parse(response.body)["value"] else {
                refused = response
                break
            }
            messages.append(id)
        }
        let refusal = try #require(refused, "100 messages fitted on a 2 MiB disk")
        #expect(refusal.status == 507)
        #expect(refusal.text.hasPrefix(#"{"code":"InsufficientStorage","message":"The disk holding the data directory is full, so nothing was stored: SQLite ("#))
        #expect(refusal.text.hasSuffix(#"database or disk is full. Free some space and retry."}"#))
        #expect(!files.isEmpty)

        // Still serving, and after kill -9 and a restart everything acknowledged is there.
        #expect(try Set(client.messageIds()) == Set(messages))
        kill(server.process.processIdentifier, SIGKILL)
        #expect(server.waitUntilDead(timeout: 30), "the server outlived SIGKILL")
        server = try MockConvexProcess(arguments)
        client = try StorageClient(port: try server.port("admin"))
        #expect(try Set(client.messageIds()) == Set(messages))
        for (id, bytes) in files {
            #expect(try RawHTTP.get(try client.downloadPath(id), port: client.port).body == bytes, "file \(id)")
        }
    }
}
