import EventHTTP
import Foundation
import Testing
import TestSupport

/// Bodies that do not pass through Swift arrays: requests read in the pieces libevent
/// received, responses from shared memory and from files.
@Suite(.timeLimit(.minutes(1))) struct BodyTests {
    private static let pattern: [UInt8] = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }

    @Test func aRequestBodyCanBeReadInPiecesWithoutCopyingIt() throws {
        let router: @Sendable (EventLoop) -> any HTTPHandler = { _ in
            HandlerFunction { request, responder in
                var pieces = 0
                var total = 0
                var checksum: UInt64 = 0
                try request.content.forEachChunk { chunk in
                    pieces += 1
                    total += chunk.count
                    for byte in chunk { checksum = checksum &* 31 &+ UInt64(byte) }
                }
                responder.send(.text(200, "\(total) \(checksum) \(request.content.count) \(pieces > 0)"))
            }
        }
        var expected: UInt64 = 0
        for byte in Self.pattern { expected = expected &* 31 &+ UInt64(byte) }
        try withServer([("main", router)]) { server in
            let response = try RawHTTP.send("POST", "/", port: server.port("main"), body: Self.pattern)
            #expect(response.text == "\(Self.pattern.count) \(expected) \(Self.pattern.count) true")
        }
    }

    @Test func sharedBytesAreSentWholeOrInPart() throws {
        let shared = SharedBytes(Self.pattern)
        let router: @Sendable (EventLoop) -> any HTTPHandler = { _ in
            let router = Router()
            router.add(.GET, "/all") { _, responder in responder.send(HTTPResponse(status: 200, content: .shared(shared, 0..<shared.count))) }
            router.add(.GET, "/part") { _, responder in responder.send(HTTPResponse(status: 206, content: .shared(shared, 100..<200))) }
            return router
        }
        try withServer([("main", router)]) { server in
            let port = server.port("main")
            let all = try RawHTTP.get("/all", port: port)
            #expect(all.header("Content-Length") == "\(Self.pattern.count)")
            #expect(all.body == Self.pattern)
            let part = try RawHTTP.get("/part", port: port)
            #expect(part.body == Array(Self.pattern[100..<200]))
            let head = try RawHTTP.send("HEAD", "/all", port: port)
            #expect(head.header("Content-Length") == "\(Self.pattern.count)")
            #expect(head.body.isEmpty)
        }
    }

    @Test func aFileRegionIsSentAndItsDescriptorClosed() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("eventhttp-body-\(getpid())").path
        try Data(Self.pattern).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let router: @Sendable (EventLoop) -> any HTTPHandler = { _ in
            HandlerFunction { request, responder in
                let fd = open(path, O_RDONLY)
                let region = request.path == "/tail" ? FileRegion(fd: fd, offset: 1000, length: 5000) : FileRegion(fd: fd, offset: 0, length: Self.pattern.count)
                responder.send(HTTPResponse(status: 200, content: .file(region)))
            }
        }
        try withServer([("main", router)]) { server in
            let port = server.port("main")
            for _ in 0..<5 {
                let whole = try RawHTTP.get("/", port: port)
                let tail = try RawHTTP.get("/tail", port: port)
                #expect(whole.body == Self.pattern)
                #expect(tail.body == Array(Self.pattern[1000..<6000]))
            }
            let head = try RawHTTP.send("HEAD", "/", port: port)
            #expect(head.header("Content-Length") == "\(Self.pattern.count)")
        }
        // Every descriptor of the file was closed (other tests run alongside, so only this
        // file's descriptors are counted).
        let stillOpen = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").filter {
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\($0)")) == path
        }
        #expect(stillOpen.isEmpty)
    }
}
