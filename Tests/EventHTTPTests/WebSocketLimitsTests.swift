import EventHTTP
import Foundation
import Testing
import TestSupport

/// The limits that keep one peer from holding the server's memory or a descriptor: the idle
/// timeout, the output bound against a peer that never reads, and pongs counted against it.
@Suite(.timeLimit(.minutes(2))) struct WebSocketLimitsTests {
    /// A receive buffer this small makes the kernel hold little of what the server writes to
    /// a client that does not read, so the server's own output buffer fills soon.
    private func shrinkReceiveBuffer(_ client: WebSocketClient) {
        var size: Int32 = 4096
        setsockopt(client.connection.fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    }

    @Test func aSocketWithNoFrameForTheIdleTimeoutIsClosedWith1000() throws {
        let events = SocketEvents()
        let settings = WebSocketSettings(idleTimeout: .seconds(1), idleCloseReason: "ClientDisconnected")
        try withServer([("main", webSocketServer(events, settings: settings))]) { server in
            let client = try WebSocketClient.open(port: server.port("main"))
            // Pings 100 ms apart for longer than the timeout keep it open: each is answered.
            for _ in 0..<15 {
                usleep(100_000)
                try client.send(.init(.ping, Array("k".utf8)))
                #expect(try client.readFrame() == .init(.pong, Array("k".utf8)))
            }
            let lastFrame = ContinuousClock.now
            #expect(try client.readFrame() == .init(.close, [0x03, 0xE8] + Array("ClientDisconnected".utf8)))
            #expect(ContinuousClock.now - lastFrame >= .seconds(1))
            try client.sendClose(code: 1000)
            #expect(client.readsEndOfStream())
            client.connection.close()
            #expect(events.waitForClosed())
            #expect(events.closeReasons == [.idle])
        }
    }

    /// An owner that holds back while a slow peer catches up hears when the peer has read
    /// everything queued, and hears it also when nothing was waiting.
    @Test func theOwnerHearsWhenASlowPeerHasReadEverything() throws {
        let events = SocketEvents()
        try withServer([("main", webSocketServer(events))]) { server in
            let client = try WebSocketClient.open(port: server.port("main"))
            // A 256 KiB receive buffer (not shrinkReceiveBuffer's 4 KiB: a window below loopback's
            // 64 KiB segment makes the sender wait out its persist timer for every segment, so
            // reading 6 MiB would take minutes) stops the kernel's autotuning; with the server's
            // send buffer (4 MiB at most) the kernel holds under 5 MiB of the 6 MiB burst.
            var size: Int32 = 256 << 10
            setsockopt(client.connection.fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
            try client.sendText("burst 65536 96")
            try client.sendText("notify")
            #expect(waitUntil { events.all.contains("text: notify") })
            #expect(events.all.contains("burst queued, buffered true"))
            #expect(!events.all.contains { $0.hasPrefix("drained") }, "drained before the peer read: \(events.all)")
            for _ in 0..<96 { #expect(try client.readFrame() == .init(.text, [UInt8](repeating: UInt8(ascii: "b"), count: 65536))) }
            #expect(waitUntil { events.all.contains("drained, buffered 0") }, "\(events.all)")
            // Asked with nothing waiting: told all the same, once.
            try client.sendText("notify")
            #expect(waitUntil { events.all.filter { $0 == "drained, buffered 0" }.count == 2 }, "\(events.all)")
            try client.sendClose(code: 1000)
            #expect(events.waitForClosed())
            #expect(events.all.filter { $0.hasPrefix("drained") }.count == 2)
        }
    }

    @Test func aClientThatNeverReadsIsClosedAtTheOutputBoundAndEverythingComesBack() throws {
        let events = SocketEvents()
        let settings = WebSocketSettings(maxBufferedOutputBytes: 256 << 10, closingTimeout: .milliseconds(300))
        try withServer([("main", webSocketServer(events, settings: settings))]) { server in
            let port = server.port("main")
            let client = try WebSocketClient.open(port: port)
            shrinkReceiveBuffer(client)
            let inode = try #require(client.serverInode(serverPort: port))
            // 16 KiB a millisecond until `send` refuses; the client reads nothing.
            try client.sendText("stream 16384")
            #expect(events.waitForClosed(seconds: 60))
            #expect(events.closeReasons == [.outputOverflow])
            let refused = events.all.filter { $0.hasPrefix("send refused") }
            #expect(refused.count == 1 && refused[0].hasSuffix("buffered true"), "\(refused)")
            #expect(events.waitUntilReleased())
            #expect(!Sockets.processHoldsSocket(inode: inode))
            // The Close could not get past what the client never read: the server reset it.
            #expect(throws: RawHTTP.Failure.reset) { while true { _ = try client.readFrame() } }
        }
    }

    @Test func aPingFloodFromAPeerThatNeverReadsIsClosedAtTheOutputBound() throws {
        let events = SocketEvents()
        let settings = WebSocketSettings(maxBufferedOutputBytes: 64 << 10, closingTimeout: .milliseconds(300))
        try withServer([("main", webSocketServer(events, settings: settings))]) { server in
            let port = server.port("main")
            let client = try WebSocketClient.open(port: port)
            shrinkReceiveBuffer(client)
            let inode = try #require(client.serverInode(serverPort: port))
            let ping = WebSocketClient.encode(.init(.ping, [UInt8](repeating: 0x70, count: 125)))
            let batch = Array([[UInt8]](repeating: ping, count: 500).joined())
            // Until the server gives up on the client (or resets it), and at most 64 MiB: the
            // pongs pass the bound after about the kernel's buffers and 64 KiB.
            var sent = 0
            while sent < 64 << 20 && events.closeReasons.isEmpty {
                do { try client.connection.write(batch) } catch { break }
                sent += batch.count
            }
            #expect(events.waitForClosed())
            #expect(events.closeReasons == [.outputOverflow])
            #expect(events.all == ["opened", "closed: \(WebSocketCloseReason.outputOverflow)"])
            #expect(events.waitUntilReleased())
            #expect(!Sockets.processHoldsSocket(inode: inode))
        }
    }
}
