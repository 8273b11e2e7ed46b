import EventHTTP
import Foundation
import Testing
import TestSupport

/// What RFC 6455 asks of the server's framing, through wslay: reassembly, pongs, and the Close
/// codes of each broken rule, byte for byte; the socket then ends and its descriptor comes back.
@Suite(.timeLimit(.minutes(1))) struct WebSocketFramingTests {
    /// Sends `frames`, expects the server's Close `expected` (its whole frame), then the end of
    /// the connection, the close reason given, and the server's socket released.
    private func expectClose(after frames: [[UInt8]], settings: WebSocketSettings = WebSocketSettings(),
                             expected: [UInt8], reason: WebSocketCloseReason) throws {
        let events = SocketEvents()
        try withServer([("main", webSocketServer(events, settings: settings))]) { server in
            let port = server.port("main")
            let client = try WebSocketClient.open(port: port)
            let inode = try #require(client.serverInode(serverPort: port))
            try client.connection.write(frames.flatMap { $0 })
            #expect(try client.connection.read(exactly: expected.count) == expected)
            #expect(client.readsEndOfStream())
            client.connection.close()
            #expect(events.waitForClosed())
            #expect(events.closeReasons == [reason])
            #expect(events.waitUntilReleased())
            #expect(!Sockets.processHoldsSocket(inode: inode))
            // Nothing of the message that broke the rules reached the handler.
            #expect(events.all == ["opened", "closed: \(reason)"])
        }
    }

    @Test func fragmentsAreReassembledAroundAPingWhichIsAnsweredFirst() throws {
        let events = SocketEvents()
        try withServer([("main", webSocketServer(events))]) { server in
            let client = try WebSocketClient.open(port: server.port("main"))
            try client.connection.write(
                WebSocketClient.encode(.init(fin: false, .text, Array("Hel".utf8)))
                    + WebSocketClient.encode(.init(.ping, Array("p".utf8)))
                    + WebSocketClient.encode(.init(fin: false, .continuation, Array("lo, ".utf8)))
                    + WebSocketClient.encode(.init(.continuation, Array("wörld".utf8)))
                    + WebSocketClient.encode(.init(fin: false, .binary, [1, 2]))
                    + WebSocketClient.encode(.init(.continuation, [3])))
            #expect(try client.connection.read(exactly: 3) == [0x8A, 0x01, UInt8(ascii: "p")])
            #expect(try client.readFrame() == .init(.text, Array("Hello, wörld".utf8)))
            #expect(try client.readFrame() == .init(.binary, [1, 2, 3]))
            #expect(events.all == ["opened", "text: Hello, wörld", "binary: 3 bytes"])
        }
    }

    @Test func pingsAreAnsweredWithTheirPayloadAndTheServerPings() throws {
        let events = SocketEvents()
        try withServer([("main", webSocketServer(events))]) { server in
            let client = try WebSocketClient.open(port: server.port("main"))
            try client.send(.init(.ping, Array("abc".utf8)))
            #expect(try client.connection.read(exactly: 5) == [0x8A, 0x03] + Array("abc".utf8))
            try client.sendText("ping")
            #expect(try client.connection.read(exactly: 2) == [0x89, 0x00])
            // An unsolicited pong is allowed and needs no answer.
            try client.send(.init(.pong, []))
            try client.sendText("after")
            #expect(try client.readFrame() == .init(.text, Array("after".utf8)))
        }
    }

    @Test func aMessageOfExactlyTheLimitPasses() throws {
        let events = SocketEvents()
        try withServer([("main", webSocketServer(events, settings: WebSocketSettings(maxMessageBytes: 1000)))]) { server in
            let client = try WebSocketClient.open(port: server.port("main"))
            let message = [UInt8](repeating: 7, count: 1000)
            try client.send(.init(.binary, message))
            #expect(try client.readFrame() == .init(.binary, message))
        }
    }

    @Test func anUnmaskedFrameIsAProtocolError() throws {
        try expectClose(after: [WebSocketClient.encode(.init(.text, Array("bare".utf8)), mask: nil)],
                        expected: [0x88, 0x02, 0x03, 0xEA], reason: .protocolError(sentCode: 1002))
    }

    @Test func aReservedOpcodeIsAProtocolError() throws {
        var frame = WebSocketClient.encode(.init(.text, Array("x".utf8)))
        frame[0] = 0x83
        try expectClose(after: [frame], expected: [0x88, 0x02, 0x03, 0xEA], reason: .protocolError(sentCode: 1002))
    }

    @Test func aContinuationWithNothingToContinueIsAProtocolError() throws {
        try expectClose(after: [WebSocketClient.encode(.init(.continuation, Array("x".utf8)))],
                        expected: [0x88, 0x02, 0x03, 0xEA], reason: .protocolError(sentCode: 1002))
    }

    @Test func aMessageOverTheLimitIsClosedWith1009() throws {
        try expectClose(after: [WebSocketClient.encode(.init(.text, [UInt8](repeating: 0x61, count: 1001)))],
                        settings: WebSocketSettings(maxMessageBytes: 1000),
                        expected: [0x88, 0x02, 0x03, 0xF1], reason: .protocolError(sentCode: 1009))
    }

    @Test func fragmentsOverTheLimitTogetherAreClosedWith1009() throws {
        let half = [UInt8](repeating: 0x61, count: 600)
        try expectClose(after: [WebSocketClient.encode(.init(fin: false, .text, half)), WebSocketClient.encode(.init(.continuation, half))],
                        settings: WebSocketSettings(maxMessageBytes: 1000),
                        expected: [0x88, 0x02, 0x03, 0xF1], reason: .protocolError(sentCode: 1009))
    }

    @Test func aFrameAnnouncingAHugeLengthIsRefusedBeforeAnyPayload() throws {
        // 2^40 bytes announced and one sent: the limit is checked against the header's length
        // as the payload starts, before anything is buffered.
        let header: [UInt8] = [0x82, 0xFF, 0, 0, 1, 0, 0, 0, 0, 0, 1, 2, 3, 4, 0]
        try expectClose(after: [header], settings: WebSocketSettings(maxMessageBytes: 1 << 20),
                        expected: [0x88, 0x02, 0x03, 0xF1], reason: .protocolError(sentCode: 1009))
    }

    @Test func invalidUTF8InATextMessageIsClosedWith1007() throws {
        try expectClose(after: [WebSocketClient.encode(.init(.text, [0x61, 0xC3, 0x28]))],
                        expected: [0x88, 0x02, 0x03, 0xEF], reason: .protocolError(sentCode: 1007))
    }

    @Test func aControlFrameOver125BytesGetsAnEmptyClose() throws {
        try expectClose(after: [WebSocketClient.encode(.init(.ping, [UInt8](repeating: 1, count: 126)))],
                        expected: [0x88, 0x00], reason: .protocolError(sentCode: nil))
    }
}
