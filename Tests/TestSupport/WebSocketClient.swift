import Crypto
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A small RFC 6455 client over `RawHTTP.Connection`, for tests.
///
/// The framing is written by hand on purpose: tests must send what no WebSocket library would
/// (unmasked frames, oversized or fragmented messages, pings between fragments, invalid UTF-8,
/// floods) and see the server's frames byte for byte. It knows no extensions and reads each
/// frame whole.
public final class WebSocketClient {
    public enum Opcode: UInt8, Sendable {
        case continuation = 0, text = 1, binary = 2, close = 8, ping = 9, pong = 10
    }

    public struct Frame: Equatable, CustomStringConvertible, Sendable {
        public var fin: Bool
        public var opcode: UInt8
        public var masked: Bool
        public var payload: [UInt8]

        public init(fin: Bool = true, _ opcode: Opcode, masked: Bool = false, _ payload: [UInt8]) {
            self.fin = fin
            self.opcode = opcode.rawValue
            self.masked = masked
            self.payload = payload
        }

        public var text: String { String(decoding: payload, as: UTF8.self) }

        /// A Close frame's code, nil when it has no payload.
        public var closeCode: UInt16? {
            payload.count >= 2 ? UInt16(payload[0]) << 8 | UInt16(payload[1]) : nil
        }

        public var description: String { "Frame(fin: \(fin), opcode: \(opcode), masked: \(masked), payload: \(payload.count) bytes \(text.prefix(80)))" }
    }

    public let connection: RawHTTP.Connection
    /// The server's answer to the upgrade request, through the blank line.
    public let head: String

    /// The GUID of RFC 6455 §1.3.
    static let acceptGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// The `Sec-WebSocket-Accept` a server must answer to `key`.
    public static func accept(forKey key: String) -> String {
        Data(Insecure.SHA1.hash(data: Data((key + acceptGUID).utf8))).base64EncodedString()
    }

    /// A fresh `Sec-WebSocket-Key`: 16 random bytes in base64.
    public static func makeKey() -> String {
        Data((0..<16).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
    }

    /// The bytes of an upgrade request.
    public static func upgradeRequest(_ path: String, port: Int, key: String, headers: [(String, String)] = []) -> [UInt8] {
        RawHTTP.request("GET", path, port: port, headers: [
            ("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Key", key), ("Sec-WebSocket-Version", "13"),
        ] + headers)
    }

    /// Connects, sends the upgrade request with `following` right behind it in the same write,
    /// and reads the answer's head (any status: the test checks it).
    public init(port: Int, path: String = "/", key: String = makeKey(), headers: [(String, String)] = [],
                following: [UInt8] = [], timeout: Double = 10) throws {
        connection = try RawHTTP.Connection(port: port, timeout: timeout)
        try connection.write(Self.upgradeRequest(path, port: port, key: key, headers: headers) + following)
        head = try connection.readHead()
    }

    /// The bytes of one frame: masked with `mask` (as clients must), or unmasked when nil.
    public static func encode(_ frame: Frame, mask: [UInt8]? = [0x37, 0xfa, 0x21, 0x3d]) -> [UInt8] {
        var bytes: [UInt8] = [(frame.fin ? 0x80 : 0) | frame.opcode]
        let maskBit: UInt8 = mask == nil ? 0 : 0x80
        let count = frame.payload.count
        if count < 126 {
            bytes.append(maskBit | UInt8(count))
        } else if count <= 0xFFFF {
            bytes += [maskBit | 126, UInt8(count >> 8), UInt8(count & 0xFF)]
        } else {
            bytes.append(maskBit | 127)
            bytes += (0..<8).reversed().map { UInt8((UInt64(count) >> (8 * UInt64($0))) & 0xFF) }
        }
        guard let mask else { return bytes + frame.payload }
        return bytes + mask + frame.payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
    }

    public func send(_ frame: Frame, mask: [UInt8]? = [0x37, 0xfa, 0x21, 0x3d]) throws {
        try connection.write(Self.encode(frame, mask: mask))
    }

    public func sendText(_ text: String) throws {
        try send(Frame(.text, Array(text.utf8)))
    }

    /// A Close with `code` and `reason`, or without payload when `code` is nil.
    public func sendClose(code: UInt16?, reason: String = "") throws {
        try send(Frame(.close, Self.closePayload(code: code, reason: reason)))
    }

    public static func closePayload(code: UInt16?, reason: String) -> [UInt8] {
        guard let code else { return [] }
        return [UInt8(code >> 8), UInt8(code & 0xFF)] + Array(reason.utf8)
    }

    /// Reads one frame whole (the socket's timeout bounds the wait).
    public func readFrame() throws -> Frame {
        let start = try connection.read(exactly: 2)
        var length = UInt64(start[1] & 0x7F)
        if length == 126 {
            length = try connection.read(exactly: 2).reduce(0) { $0 << 8 | UInt64($1) }
        } else if length == 127 {
            length = try connection.read(exactly: 8).reduce(0) { $0 << 8 | UInt64($1) }
        }
        guard length <= 1 << 30 else { throw RawHTTP.Failure.malformed("frame of \(length) bytes") }
        let masked = start[1] & 0x80 != 0
        let mask = masked ? try connection.read(exactly: 4) : []
        var payload = try connection.read(exactly: Int(length))
        if masked { payload = payload.enumerated().map { $0.element ^ mask[$0.offset % 4] } }
        var frame = Frame(fin: start[0] & 0x80 != 0, .continuation, masked: masked, payload)
        frame.opcode = start[0] & 0x0F
        return frame
    }

    /// True when the server ends the connection (end of stream or reset) within the timeout,
    /// with nothing more sent.
    public func readsEndOfStream() -> Bool {
        do {
            return try connection.readToEnd().isEmpty
        } catch RawHTTP.Failure.reset {
            return true
        } catch {
            return false
        }
    }
}
