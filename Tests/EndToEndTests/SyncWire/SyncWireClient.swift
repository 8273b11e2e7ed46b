import Foundation
import Testing
import TestSupport

/// A sync-protocol client over the raw WebSocket client: it upgrades on a sync path, sends
/// client messages as single masked text frames, and reads the server's frames one by one,
/// answering its WebSocket pings (which it does not hand back) as a real client would.
final class SyncWireClient {
    let socket: WebSocketClient
    /// WebSocket pings the server sent (and that were answered) while reading.
    private(set) var pingsAnswered = 0

    /// Upgrades `path` on `port` and requires the 101.
    init(port: Int, path: String = "/api/sync", headers: [(String, String)] = [], timeout: Double = 10) throws {
        socket = try WebSocketClient(port: port, path: path, headers: headers, timeout: timeout)
        try #require(socket.head.hasPrefix("HTTP/1.1 101 "), "\(socket.head)")
    }

    /// A client on a socket already upgraded (by a test that sent frames behind its request).
    init(upgraded socket: WebSocketClient) {
        self.socket = socket
    }

    var fd: Int32 { socket.connection.fd }

    /// One client message, as one text frame.
    func send(_ json: String) throws {
        try socket.sendText(json)
    }

    /// The next frame that is not a WebSocket ping (those are answered with their pong).
    func nextFrame() throws -> WebSocketClient.Frame {
        while true {
            let frame = try socket.readFrame()
            guard frame.opcode == WebSocketClient.Opcode.ping.rawValue else { return frame }
            pingsAnswered += 1
            try socket.send(.init(.pong, frame.payload))
        }
    }

    /// The next frame that is not a WebSocket ping (those are answered), and when it arrived:
    /// read on a thread of its own (see `OwnThread`), so a long wait neither holds one of the
    /// test pool's threads nor is cut short by the pool's being busy.
    func nextFrame(within seconds: Double) async throws -> (frame: WebSocketClient.Frame, arrived: Date) {
        try await OwnThread.run { [self] in
            let deadline = Date().addingTimeInterval(seconds)
            while true {
                let left = deadline.timeIntervalSinceNow
                var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard socket.connection.hasBufferedBytes || poll(&entry, 1, Int32(max(left, 0) * 1000)) == 1 else {
                    throw RawHTTP.Failure.malformed("no frame within \(seconds) s")
                }
                let frame = try socket.readFrame()
                guard frame.opcode == WebSocketClient.Opcode.ping.rawValue else { return (frame, Date()) }
                pingsAnswered += 1
                try socket.send(.init(.pong, frame.payload))
            }
        }
    }

    static let jsonPing = #"{"type":"Ping"}"#

    /// The next frame, which must be a text frame; its text. With `skippingPings`, JSON `Ping`s
    /// are passed over: a session quiet for 15 s gets one, which a long test under load may see.
    func nextText(skippingPings: Bool = false) throws -> String {
        for _ in 0..<100 {
            let frame = try nextFrame()
            try #require(frame.opcode == WebSocketClient.Opcode.text.rawValue && frame.fin, "expected a text frame, got \(frame)")
            guard skippingPings, frame.text == Self.jsonPing else { return frame.text }
        }
        throw RawHTTP.Failure.malformed("100 JSON Pings in a row")
    }

    /// The next text frame, which must match `pattern` (see `Wire.match`); its placeholders' values.
    @discardableResult
    func expectText(_ pattern: String, skippingPings: Bool = false, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String] {
        let text = try nextText(skippingPings: skippingPings)
        return try #require(Wire.match(text, pattern), "\(text)\n  does not match\n\(pattern)", sourceLocation: sourceLocation)
    }

    /// Reads the server's Close (which must come next, after any pings), answers it as RFC 6455
    /// asks, and requires the server to end the connection; the Close's payload.
    @discardableResult
    func expectClose(code: UInt16?, reason: String = "", sourceLocation: SourceLocation = #_sourceLocation) throws -> WebSocketClient.Frame {
        let frame = try nextFrame()
        #expect(frame == .init(.close, WebSocketClient.closePayload(code: code, reason: reason)), "\(frame)", sourceLocation: sourceLocation)
        try? socket.sendClose(code: code, reason: reason)
        #expect(socket.readsEndOfStream(), "the server did not end the connection after its Close", sourceLocation: sourceLocation)
        socket.connection.close()
        return frame
    }

    /// The client's own Close, its echo (after any messages still on their way), and the
    /// server's end of stream.
    func close() throws {
        try socket.sendClose(code: 1000)
        var echo = try nextFrame()
        for _ in 0..<100 where echo.opcode == WebSocketClient.Opcode.text.rawValue { echo = try nextFrame() }
        #expect(echo == .init(.close, WebSocketClient.closePayload(code: 1000, reason: "")))
        #expect(socket.readsEndOfStream())
        socket.connection.close()
    }

    static let sessionId = "95ad1d25-a91f-4cf5-9050-cf604e936a69"

    /// A `Connect` as the Python client sends its first (`clientTs` 0).
    static func connect(sessionId: String = SyncWireClient.sessionId, clientTs: Int64 = 0) -> String {
        #"{"type":"Connect","sessionId":"\#(sessionId)","connectionCount":0,"lastCloseReason":"InitialConnect","clientTs":\#(clientTs)}"#
    }

    static func addQuery(base: Int, queryId: Int, path: String, args: String = "{}") -> String {
        #"{"type":"ModifyQuerySet","baseVersion":\#(base),"newVersion":\#(base + 1),"modifications":[{"type":"Add","queryId":\#(queryId),"udfPath":"\#(path)","args":[\#(args)]}]}"#
    }

    static func mutation(_ requestId: Int, _ path: String, _ args: String = "{}") -> String {
        #"{"type":"Mutation","requestId":\#(requestId),"udfPath":"\#(path)","args":[\#(args)]}"#
    }
}

/// Frames compared as exact text, except for placeholders standing for what is random.
enum Wire {
    /// A timestamp: base64 of 8 little-endian bytes.
    static let ts = "{ts}"
    /// `serverTs`: nanoseconds since the epoch.
    static let serverTs = "{serverTs}"
    /// `clientClockSkew`: milliseconds, either sign.
    static let skew = "{skew}"
    /// The hex request id in `[Request ID: ...]`.
    static let requestId = "{requestId}"
    /// A document id.
    static let id = "{id}"
    /// `_creationTime`: fractional milliseconds.
    static let time = "{time}"
    /// A whole number.
    static let int = "{int}"

    private static let placeholders: [String: String] = [
        ts: "([A-Za-z0-9+/]{11}=)", serverTs: "([0-9]{19})", skew: "(-?[0-9]+)", requestId: "([0-9a-f]{16})",
        id: "([0-9a-z]{31,37})", time: "([0-9]+(?:\\.[0-9]+)?)", int: "(-?[0-9]+)",
    ]

    /// The values of `pattern`'s placeholders in `text`, in order, when `text` is `pattern` with
    /// each placeholder standing for its kind of value; nil otherwise.
    static func match(_ text: String, _ pattern: String) -> [String]? {
        let regex = "^" + escapedWithPlaceholders(pattern) + "$"
        guard let expression = try? NSRegularExpression(pattern: regex, options: [.dotMatchesLineSeparators]),
              let found = expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) else { return nil }
        return (1..<found.numberOfRanges).compactMap { Range(found.range(at: $0), in: text).map { String(text[$0]) } }
    }

    /// Escapes `text`, turning any placeholder in it into its group.
    private static func escapedWithPlaceholders(_ text: String) -> String {
        var result = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            if let close = rest[open...].firstIndex(of: "}"), let group = placeholders[String(rest[open...close])] {
                result += NSRegularExpression.escapedPattern(for: String(rest[..<open])) + group
                rest = rest[rest.index(after: close)...]
            } else {
                result += NSRegularExpression.escapedPattern(for: String(rest[...open]))
                rest = rest[rest.index(after: open)...]
            }
        }
        return result + NSRegularExpression.escapedPattern(for: String(rest))
    }

    /// A Transition's text; `start` and `end` are `(querySet, identity, ts)`.
    static func transition(from start: (Int, Int, String), to end: (Int, Int, String), _ modifications: String = "",
                           skew: String = Wire.skew) -> String {
        #"{"type":"Transition","startVersion":{"querySet":\#(start.0),"identity":\#(start.1),"ts":"\#(start.2)"},"endVersion":{"querySet":\#(end.0),"identity":\#(end.1),"ts":"\#(end.2)"},"modifications":[\#(modifications)],"clientClockSkew":\#(skew),"serverTs":\#(serverTs)}"#
    }

    static func updated(_ queryId: Int, _ value: String, logLines: String = "") -> String {
        #"{"type":"QueryUpdated","queryId":\#(queryId),"value":\#(value),"logLines":[\#(logLines)],"journal":null}"#
    }

    static let zero = "AAAAAAAAAAA="

    /// A wire timestamp's value (base64 of the little-endian u64); nil if it is not one.
    static func timestamp(_ text: String) -> UInt64? {
        guard let data = Data(base64Encoded: text), data.count == 8 else { return nil }
        return data.reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }
}
