import Foundation
import Testing
import TestSupport

/// Sync clients that abuse the server, against the real binary: ping floods, a client that
/// never reads while a mutation stream makes Transitions for it, clients that vanish in the
/// middle of a frame or of a request, and thousands of sessions at once. After each, a
/// bystander session is still served and the server's descriptors are back to the baseline.
/// (Malformed, oversized, unmasked and fragmented frames are rows of the bad-input matrix:
/// BadInput/SyncCases.swift.)
///
/// One at a time, and yielding as they go: each loads both cores, and Swift Testing runs tests
/// on a pool of one thread per core, so a test that holds its thread for long keeps other
/// suites' tests from starting while their time limits run.
@Suite(.serialized, .timeLimit(.minutes(4))) struct SyncHostileClientTests {
    /// A receive buffer this small makes the kernel hold little of what the server writes to a
    /// client that does not read, so the server's own output bound is what fills.
    private static func shrinkReceiveBuffer(_ client: SyncWireClient) {
        var size: Int32 = 4096
        setsockopt(client.fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    }

    /// How many local ports the kernel gives connections from one address to one port.
    private static var ephemeralPorts: Int {
        let range = ((try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)) ?? "32768 60999")
            .split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
        return range.count == 2 ? range[1] - range[0] + 1 : 28_232
    }

    /// The server's open sessions, from the control API.
    private static func sessionCount(_ server: SyncWireServer) throws -> Int {
        let listed = try server.call("GET", "/_mock/sync")
        let object = try JSONSerialization.jsonObject(with: Data(listed.body)) as? [String: Any]
        return try #require(object?["sessions"] as? [Any]).count
    }

    /// Waits (at most `seconds`) until the server lists `count` sessions.
    private static func waitForSessions(_ server: SyncWireServer, _ count: Int, seconds: Double = 10) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try sessionCount(server) == count { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return try sessionCount(server) == count
    }

    @Test func aPingFloodFromAClientThatReadsIsAnsweredPongForPong() async throws {
        let server = try SyncWireServer()
        try server.startBystander()
        let client = try server.client()
        let count = 20_000
        // Each ping carries its number; 500 to a write.
        for batch in stride(from: 0, to: count, by: 500) {
            try client.socket.connection.write(Array((batch..<batch + 500).map {
                WebSocketClient.encode(.init(.ping, Array(String(format: "%0125d", $0).utf8)))
            }.joined()))
            await Task.yield()
        }
        for index in 0..<count {
            // The server's own pings (answered) and JSON Pings may come between the pongs.
            var pong = try client.nextFrame()
            while pong == .init(.text, Array(SyncWireClient.jsonPing.utf8)) { pong = try client.nextFrame() }
            guard pong == .init(.pong, Array(String(format: "%0125d", index).utf8)) else {
                Issue.record("pong \(index): \(pong)")
                break
            }
            if index % 500 == 0 { await Task.yield() }
        }
        // The session is served after it all.
        try client.send(SyncBadInputCase.versionQuery)
        try client.expectText(SyncBadInputCase.versionAnswer, skippingPings: true)
        try client.close()
        try server.expectStillServing(after: "a ping flood that was read")
    }

    @Test func aPingFloodFromAClientThatNeverReadsIsCutOffAtTheOutputBound() async throws {
        let server = try SyncWireServer()
        try server.startBystander()
        let memoryBefore = try #require(server.residentKiB)
        let client = try server.client()
        Self.shrinkReceiveBuffer(client)
        let batch = Array([[UInt8]](repeating: WebSocketClient.encode(.init(.ping, [UInt8](repeating: 0x70, count: 125))), count: 1000).joined())
        // The pongs pass the 64 MiB output bound after about 66 MiB of pings: 128 MiB are sent
        // (the server reads on, dropping them, until its closing timeout resets the connection).
        var sent = 0
        var peakKiB = memoryBefore
        while sent < 128 << 20 {
            do { try client.socket.connection.write(batch) } catch { break }
            sent += batch.count
            if sent % (8 << 20) < batch.count { peakKiB = max(peakKiB, server.residentKiB ?? 0) }
            await Task.yield()
        }
        #expect(try await Self.waitForSessions(server, 1), "the flooding session is still open")
        peakKiB = max(peakKiB, server.residentKiB ?? 0)
        // Bounded: the queued pongs, not everything sent.
        #expect(peakKiB - memoryBefore < 160 << 10, "the server grew by \((peakKiB - memoryBefore) >> 10) MiB")
        // The pongs the kernel held, then the reset.
        #expect(throws: RawHTTP.Failure.reset) { while true { _ = try client.socket.readFrame() } }
        client.socket.connection.close()
        try server.expectStillServing(after: "a ping flood that was never read")
    }

    /// Its Transitions are held once 256 KiB of them wait unread, so memory stays bounded however
    /// many commits follow; after --send-timeout without reading them it is closed.
    @Test func aClientThatNeverReadsUnderAMutationStreamIsHeldThenClosedAfterTheSendTimeout() async throws {
        let server = try SyncWireServer(extraArguments: ["--send-timeout", "2"])
        try server.startBystander()
        // 32 documents of 50 KB: every Transition of `big:list` is 1.6 MB.
        var first = ""
        for index in 0..<32 {
            let added = try server.call("POST", "/api/mutation", json: #"{"path":"big:add","args":{"n":0,"blob":"\#(String(repeating: "b", count: 50_000))","i":\#(index)}}"#)
            #expect(added.status == 200)
            if index == 0 { first = try #require(Wire.match(added.text, #"{"status":"success","value":"{id}"}"#)?.first, "\(added.text)") }
        }
        let memoryBefore = try #require(server.residentKiB)
        let reader = try server.client()
        Self.shrinkReceiveBuffer(reader)
        try reader.send(SyncWireClient.addQuery(base: 0, queryId: 0, path: "big:list"))
        // 400 edits, or fewer if the server gives up on the reader first: unheld, they would be
        // 640 MB of Transitions.
        var edits = 0
        var peakKiB = memoryBefore
        while edits < 400, try Self.sessionCount(server) == 2 {
            let edited = try server.call("POST", "/api/mutation", json: #"{"path":"big:edit","args":{"id":"\#(first)","n":\#(edits)}}"#)
            #expect(edited.status == 200)
            edits += 1
            peakKiB = max(peakKiB, server.residentKiB ?? 0)
            await Task.yield()
        }
        #expect(try await Self.waitForSessions(server, 1), "the reader was still served after \(edits) Transitions it never read")
        #expect(edits > 20, "closed after only \(edits) Transitions")
        #expect(peakKiB - memoryBefore < 256 << 10, "the server grew by \((peakKiB - memoryBefore) >> 10) MiB")
        // What the kernel held is readable; then the connection ends: a Close (1008) if it fit,
        // else a reset.
        var frames = 0
        var ending = "none"
        reading: while frames < 1000 {
            do {
                let frame = try reader.socket.readFrame()
                frames += 1
                if frame.opcode == WebSocketClient.Opcode.close.rawValue {
                    #expect(frame.closeCode == 1008)
                    ending = "close"
                    break reading
                }
            } catch RawHTTP.Failure.reset {
                ending = "reset"
                break
            } catch RawHTTP.Failure.closed {
                ending = "end of stream"
                break
            }
        }
        #expect(ending != "none", "read \(frames) frames and the connection did not end")
        reader.socket.connection.close()
        try server.expectStillServing(after: "a client that never read")
    }

    /// Ways to leave: half a frame head, a head and half its payload, the first fragment of a
    /// message, a whole mutation, an action still running, a query being answered; each ended
    /// with FIN or with RST.
    @Test func clientsThatVanishMidMessageLeaveNothingBehind() async throws {
        let server = try SyncWireServer()
        try server.startBystander()
        let query = Array(SyncBadInputCase.versionQuery.utf8)
        let whole = WebSocketClient.encode(.init(.text, query))
        let partings: [[UInt8]] = [
            Array(whole.prefix(1)),
            Array(whole.prefix(whole.count / 2)),
            WebSocketClient.encode(.init(fin: false, .text, Array(query.prefix(20)))),
            Array(SyncWireClient.mutation(0, "messages:send", #"{"body":"vanished"}"#).utf8),
            Array(#"{"type":"Action","requestId":0,"udfPath":"app:slow","args":[{"x":1}]}"#.utf8),
            query,
        ]
        for round in 0..<48 {
            let client = try server.client()
            let parting = partings[round % partings.count]
            // Whole messages go as frames; the partial ones are raw bytes.
            try client.socket.connection.write(round % partings.count >= 3 ? WebSocketClient.encode(.init(.text, parting)) : parting)
            if round % 2 == 0 { client.socket.connection.close() } else { client.socket.connection.reset() }
        }
        #expect(try await Self.waitForSessions(server, 1))
        try server.expectStillServing(after: "48 clients that vanished")
        // The slow actions finish for sessions that are gone; the server is still fine after.
        try server.expectStillServing(after: "the vanished clients' actions")
    }

    /// As many sessions as this machine allows one client address: the descriptor limit is
    /// raised as far as root may (the server inherits it), so the bound is the loopback's
    /// ephemeral ports, less room for the suites running alongside; capped at 20,000 to keep
    /// the suite's time. Each subscribes, all get the Transition of one commit, and
    /// everything comes back when they go.
    @Test func thousandsOfSessionsAtOnceAreServedAndLetGo() async throws {
        var limit = rlimit()
        getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        if limit.rlim_cur < 65_536 {
            var raised = rlimit(rlim_cur: 65_536, rlim_max: max(limit.rlim_max, 65_536))
            if setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        let count = min(20_000, Self.ephemeralPorts - 4_000, Int(limit.rlim_cur) - 4_000)
        let server = try SyncWireServer()
        try server.startBystander()
        let started = Date()
        var clients: [SyncWireClient] = []
        clients.reserveCapacity(count)
        defer { for client in clients { client.socket.connection.close() } }
        let subscribe = WebSocketClient.encode(.init(.text, Array(SyncWireClient.addQuery(base: 0, queryId: 0, path: "messages:list").utf8)))
        for _ in 0..<count {
            let socket = try WebSocketClient(port: server.admin, path: "/api/sync", following: subscribe)
            try #require(socket.head.hasPrefix("HTTP/1.1 101 "), "\(socket.head)")
            clients.append(SyncWireClient(upgraded: socket))
            if clients.count % 200 == 0 { await Task.yield() }
        }
        let seeded = Wire.transition(from: (0, 0, Wire.zero), to: (1, 0, Wire.ts), Wire.updated(0, SyncMessageWireTests.seeded), skew: "null")
        for (index, client) in clients.enumerated() {
            guard Wire.match(try client.nextText(skippingPings: true), seeded) != nil else { Issue.record("session \(index): no first Transition"); return }
            if index % 200 == 0 { await Task.yield() }
        }
        let opened = Date().timeIntervalSince(started)
        #expect(try Self.sessionCount(server) == count + 1)

        // One commit: every session gets its Transition at it.
        let sent = try server.call("POST", "/api/mutation", json: #"{"path":"messages:send","args":{"body":"to everyone"}}"#)
        #expect(sent.status == 200)
        let changed = #"{"type":"QueryUpdated","queryId":0,"value":[{"_creationTime":{time},"_id":"{id}","author":"ada","body":"seeded"},{"_creationTime":{time},"_id":"{id}","body":"to everyone"}],"logLines":[],"journal":null}"#
        var commitTs: String?
        for (index, client) in clients.enumerated() {
            let text = try client.nextText(skippingPings: true)
            guard let values = Wire.match(text, Wire.transition(from: (1, 0, Wire.ts), to: (1, 0, Wire.ts), changed, skew: "null")) else {
                Issue.record("session \(index): \(text.prefix(300))")
                return
            }
            commitTs = commitTs ?? values[1]
            #expect(values[1] == commitTs, "session \(index) saw another snapshot")
            if index % 200 == 0 { await Task.yield() }
        }
        try server.expectBystanderServed()
        // Half leave with FIN, half with RST.
        for (index, client) in clients.enumerated() {
            if index % 2 == 0 { client.socket.connection.close() } else { client.socket.connection.reset() }
        }
        clients = []
        #expect(try await Self.waitForSessions(server, 1, seconds: 30))
        try server.expectStillServing(after: "\(count) sessions")
        print("sync: \(count) sessions at once (descriptor limit \(limit.rlim_cur)), opened and subscribed in \(String(format: "%.1f", opened)) s")
    }
}
