import EventHTTP
import Foundation
import Testing
import TestSupport

/// The closing handshake from either side, with and without a payload: the frames on the
/// wire, the server ending its side of TCP first, the reason the handler hears (once, after
/// `close` has returned), and the descriptor coming back.
@Suite(.timeLimit(.minutes(1))) struct WebSocketCloseTests {
    /// Opens a socket and runs `body` with it; once the client has closed its end, checks that
    /// the handler heard `expected` and that the server let go of the socket. Returns what the
    /// handler saw.
    @discardableResult
    private func withSocket(settings: WebSocketSettings = WebSocketSettings(), closedBy expected: WebSocketCloseReason,
                            _ body: (WebSocketClient) throws -> Void) throws -> [String] {
        let events = SocketEvents()
        return try withServer([("main", webSocketServer(events, settings: settings))]) { server in
            let port = server.port("main")
            let client = try WebSocketClient.open(port: port)
            let inode = try #require(client.serverInode(serverPort: port))
            try body(client)
            client.connection.close()
            #expect(events.waitForClosed())
            #expect(events.closeReasons == [expected])
            #expect(events.waitUntilReleased())
            #expect(!Sockets.processHoldsSocket(inode: inode))
            return events.all
        }
    }

    @Test func aPeerCloseWithAPayloadIsAnsweredWithItAndTheServerEndsTCPFirst() throws {
        try withSocket(closedBy: .peerClosed(code: 1000, reason: "bye")) { client in
            try client.sendClose(code: 1000, reason: "bye")
            #expect(try client.connection.read(exactly: 7) == [0x88, 0x05, 0x03, 0xE8] + Array("bye".utf8))
            #expect(client.readsEndOfStream())
        }
    }

    @Test func aPeerThatClosesAndEndsItsStreamAtOnceStillGetsTheAnswer() throws {
        try withSocket(closedBy: .peerClosed(code: 1001, reason: "gone")) { client in
            try client.sendClose(code: 1001, reason: "gone")
            shutdown(client.connection.fd, Int32(SHUT_WR))
            #expect(try client.connection.read(exactly: 8) == [0x88, 0x06, 0x03, 0xE9] + Array("gone".utf8))
            #expect(client.readsEndOfStream())
        }
    }

    @Test func aPeerCloseWithoutPayloadIsAnsweredWithoutPayload() throws {
        try withSocket(closedBy: .peerClosed(code: nil, reason: "")) { client in
            try client.sendClose(code: nil)
            #expect(try client.connection.read(exactly: 2) == [0x88, 0x00])
            #expect(client.readsEndOfStream())
        }
    }

    @Test func aPeerCloseWithAnInvalidCodeIsAProtocolError() throws {
        try withSocket(closedBy: .protocolError(sentCode: 1002)) { client in
            try client.sendClose(code: 1005)
            #expect(try client.connection.read(exactly: 4) == [0x88, 0x02, 0x03, 0xEA])
            #expect(client.readsEndOfStream())
        }
    }

    @Test func aServerCloseWithAPayloadWaitsForTheAnswerAndIsHeardAfterCloseReturns() throws {
        let reason = WebSocketCloseReason.serverClosed(code: 4000, reason: "done")
        let events = try withSocket(closedBy: reason) { client in
            try client.sendText("close 4000 done")
            #expect(try client.connection.read(exactly: 8) == [0x88, 0x06, 0x0F, 0xA0] + Array("done".utf8))
            try client.sendClose(code: 4000, reason: "done")
            #expect(client.readsEndOfStream())
        }
        #expect(events == ["opened", "text: close 4000 done", "close called", "close returned, open: false, send: false", "closed: \(reason)"])
    }

    @Test func aServerCloseWithoutPayloadSendsAnEmptyClose() throws {
        try withSocket(closedBy: .serverClosed(code: nil, reason: "")) { client in
            try client.sendText("close")
            #expect(try client.connection.read(exactly: 2) == [0x88, 0x00])
            try client.sendClose(code: nil)
            #expect(client.readsEndOfStream())
        }
    }

    @Test func aLongReasonIsCutAt123BytesOnACharacterBoundary() throws {
        // 61 two-byte characters: a 62nd would end past byte 123.
        let reason = String(repeating: "é", count: 61)
        try withSocket(closedBy: .serverClosed(code: 1000, reason: reason)) { client in
            try client.sendText("close-long")
            #expect(try client.readFrame() == .init(.close, [0x03, 0xE8] + Array(reason.utf8)))
            try client.sendClose(code: 1000)
        }
    }

    @Test func aCodeNotAllowedOnTheWireIsSentAs1011() throws {
        try withSocket(closedBy: .serverClosed(code: 1011, reason: "abnormal")) { client in
            try client.sendText("close 1006 abnormal")
            #expect(try client.readFrame() == .init(.close, [0x03, 0xF3] + Array("abnormal".utf8)))
            try client.sendClose(code: 1011)
        }
    }

    @Test func aPeerThatNeverAnswersTheCloseIsCutOffAfterTheClosingTimeout() throws {
        try withSocket(settings: WebSocketSettings(closingTimeout: .milliseconds(200)), closedBy: .serverClosed(code: 1000, reason: "bye")) { client in
            let started = ContinuousClock.now
            try client.sendText("close 1000 bye")
            #expect(try client.readFrame() == .init(.close, [0x03, 0xE8] + Array("bye".utf8)))
            #expect(client.readsEndOfStream())
            #expect(ContinuousClock.now - started >= .milliseconds(200))
        }
    }

    @Test func aPeerThatVanishesEndsTheSocket() throws {
        try withSocket(closedBy: .peerVanished) { client in
            try client.sendText("one")
            #expect(try client.readFrame() == .init(.text, Array("one".utf8)))
            client.connection.reset()
        }
    }

    @Test func aPeerThatEndsItsStreamWithoutACloseEndsTheSocket() throws {
        try withSocket(closedBy: .peerVanished) { client in
            shutdown(client.connection.fd, Int32(SHUT_WR))
            #expect(client.readsEndOfStream())
        }
    }
}
