import Foundation
import Testing
import TestSupport

/// Clients that are slow or vanish, against the real binary: each is dealt with on its own,
/// the bystander is answered throughout, and every descriptor comes back.
@Suite(.timeLimit(.minutes(3))) struct MisbehavingClientTests {
    /// True when `fd` is readable (an answer, an end or a reset) within `milliseconds`.
    private static func readable(_ fd: Int32, within milliseconds: Int32 = 0) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, milliseconds) == 1
    }

    /// Closes with SO_LINGER 0: the peer gets a TCP reset, as when a client process dies.
    private static func reset(_ connection: RawHTTP.Connection) {
        var abort = linger(l_onoff: 1, l_linger: 0)
        setsockopt(connection.fd, SOL_SOCKET, SO_LINGER, &abort, socklen_t(MemoryLayout<linger>.size))
        connection.close()
    }

    private static let readTimeoutAnswer = #"{"code":"RequestTimeout","message":"The request was not received in full within 2 s of its first byte (--read-timeout); send it promptly or raise --read-timeout"}"#

    @Test func slowlorisClientsAreAnswered408AtTheReadTimeoutWhileOthersAreServed() throws {
        let fixture = try BadInputServer()
        let port = try fixture.port(.admin)
        // 200 clients trickle header lines, 50 send half a head and stall.
        let trickling = try (0..<200).map { _ in try RawHTTP.Connection(port: port) }
        let stalled = try (0..<50).map { _ in try RawHTTP.Connection(port: port) }
        for connection in trickling + stalled { try connection.write("GET /version HTTP/1.1\r\nHost: x\r\n") }
        var open = trickling
        var rounds = 0
        // A line to each every 200 ms, which no inactivity timeout would ever end; at most 60
        // rounds (12 s) for a 2 s read timeout.
        while !open.isEmpty, rounds < 60 {
            rounds += 1
            _ = Self.readable(open[0].fd, within: 200)
            open = open.filter { !Self.readable($0.fd) }
            for connection in open { try? connection.write("X-Round-\(rounds): y\r\n") }
            #expect(try RawHTTP.get("/version", port: port).status == 200, "a new client during round \(rounds)")
            try fixture.expectBystanderAnswered()
        }
        #expect(open.isEmpty, "\(open.count) trickling clients still open after \(rounds) rounds")
        // They trickled for most of the 2 s before the deadline ended them.
        #expect(rounds >= 5)
        for connection in trickling + stalled {
            let response = try connection.readResponse()
            #expect(response.status == 408)
            #expect(response.text == Self.readTimeoutAnswer)
            #expect(connection.waitForClose())
            connection.close()
        }
        try fixture.expectStillServing(after: "the slowloris clients")
    }

    @Test func clientsThatVanishMidRequestLeaveNothingBehind() throws {
        let fixture = try BadInputServer()
        let port = try fixture.port(.admin)
        let head = "POST /api/mutation HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 60\r\n\r\n"
        for index in 0..<100 {
            let connection = try RawHTTP.Connection(port: port)
            switch index % 4 {
            case 0: try connection.write("POST /api/mutation HTTP/1.1\r\nHost: x\r\nContent-Ty")
            case 1: try connection.write(head + #"{"path":"messages:send","args""#)
            case 2: try connection.write("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc")
            default: try connection.write(head)
            }
            // Half of them end politely (FIN), half die (RST).
            if index % 2 == 0 { connection.close() } else { Self.reset(connection) }
        }
        try fixture.expectStillServing(after: "100 vanished requests")
        // Nothing was half-written: the only message is the seeded one.
        let list = try RawHTTP.post("/api/query", port: port, json: #"{"path":"messages:list","args":{}}"#)
        #expect(list.text.components(separatedBy: #""body":"#).count == 2, "\(list.text)")
    }

    @Test func clientsThatVanishMidResponseLeaveNothingBehind() throws {
        let fixture = try BadInputServer(maxUploadBytes: 32 << 20)
        let port = try fixture.port(.admin)
        let download = try Self.storeBlob(of: 16 << 20, port: port)
        for index in 0..<20 {
            let connection = try RawHTTP.Connection(port: port)
            try connection.write(RawHTTP.request("GET", download, port: port))
            // Read the head and a little of the 16 MiB, then go.
            #expect(Self.readable(connection.fd, within: 10_000))
            var some = [UInt8](repeating: 0, count: 65536)
            #expect(recv(connection.fd, &some, some.count, 0) > 0)
            if index % 2 == 0 { connection.close() } else { Self.reset(connection) }
        }
        try fixture.expectStillServing(after: "20 abandoned downloads")

        // A paced answer abandoned after its first piece.
        let fault = try RawHTTP.post("/_mock/faults", port: port, json: #"{"listener":"site","path":"/hello","kind":"slow","chunkBytes":1,"pauseMs":200}"#)
        #expect(fault.status == 201)
        for _ in 0..<10 {
            let connection = try RawHTTP.Connection(port: try fixture.port(.site))
            try connection.write(RawHTTP.request("GET", "/hello", port: 0))
            #expect(Self.readable(connection.fd, within: 10_000))
            Self.reset(connection)
        }
        try fixture.expectStillServing(after: "10 abandoned paced answers")
        // The whole blob is still served in full.
        let whole = try RawHTTP.get(download, port: port)
        #expect(whole.status == 200)
        #expect(whole.body.count == 16 << 20)
    }

    /// Uploads `size` bytes the way a Node action would and returns the download path.
    private static func storeBlob(of size: Int, port: Int) throws -> String {
        let token = [("Convex-Action-Callback-Token", try BadInputServer.issueCallbackToken(port: port))]
        let issued = try RawHTTP.post("/api/actions/storage_generate_upload_url", port: port, json: "{}", headers: token)
        let uploadURL = try #require(Self.string(issued.body, "url"))
        let upload = try RawHTTP.send("POST", String(uploadURL[try #require(uploadURL.range(of: "/api/")).lowerBound...]), port: port,
                                      headers: [("Content-Type", "application/octet-stream")], body: [UInt8](repeating: 7, count: size))
        let storageId = try #require(Self.string(upload.body, "storageId"))
        let located = try RawHTTP.post("/api/actions/storage_get_url", port: port, json: #"{"storageId":"\#(storageId)"}"#, headers: token)
        let downloadURL = try #require(Self.string(located.body, "url"))
        return String(downloadURL[try #require(downloadURL.range(of: "/api/storage/")).lowerBound...])
    }

    private static func string(_ body: [UInt8], _ key: String) -> String? {
        (try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])?[key] as? String
    }
}
