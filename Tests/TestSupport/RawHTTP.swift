import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A deliberately small HTTP/1.1 client over a plain socket, so tests see exactly the bytes the
/// server sent (status line, header spelling, body) and can also send bytes no client library
/// would. Every read has a deadline.
public enum RawHTTP {
    public struct Response: CustomStringConvertible {
        public let status: Int
        public let reason: String
        public let headers: [(name: String, value: String)]
        public let body: [UInt8]

        public func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }

        public var headerNames: [String] { headers.map { $0.name.lowercased() } }
        public var text: String { String(decoding: body, as: UTF8.self) }
        public var description: String { "\(status) \(reason) \(headers) \(text)" }
    }

    public enum Failure: Error, Equatable {
        case connectFailed(Int32)
        case timedOut
        /// The peer closed before a complete response.
        case closed
        /// ECONNRESET while reading or writing.
        case reset
        case malformed(String)
    }

    /// Sends one request on a fresh connection and reads the response.
    public static func send(
        _ method: String, _ target: String, port: Int, host: String = "127.0.0.1",
        headers: [(String, String)] = [], body: [UInt8] = [], timeout: Double = 10
    ) throws -> Response {
        let connection = try Connection(host: host, port: port, timeout: timeout)
        defer { connection.close() }
        try connection.write(request(method, target, host: host, port: port, headers: headers, body: body))
        return try connection.readResponse(forHead: method == "HEAD")
    }

    public static func get(_ target: String, port: Int, headers: [(String, String)] = []) throws -> Response {
        try send("GET", target, port: port, headers: headers)
    }

    public static func post(_ target: String, port: Int, json: String, headers: [(String, String)] = []) throws -> Response {
        try send("POST", target, port: port, headers: [("Content-Type", "application/json")] + headers, body: Array(json.utf8))
    }

    /// The bytes of a request with Host and Content-Length filled in.
    public static func request(_ method: String, _ target: String, host: String = "127.0.0.1", port: Int, headers: [(String, String)] = [], body: [UInt8] = []) -> [UInt8] {
        var head = "\(method) \(target) HTTP/1.1\r\nHost: \(host):\(port)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !body.isEmpty || ["POST", "PUT", "PATCH"].contains(method) { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        return Array(head.utf8) + body
    }

    public final class Connection {
        public let fd: Int32
        private let timeout: Double
        private var buffer: [UInt8] = []

        /// True when bytes already read from the socket wait here (a poll on `fd` does not see them).
        public var hasBufferedBytes: Bool { !buffer.isEmpty }

        public init(host: String = "127.0.0.1", port: Int, timeout: Double = 10) throws {
            self.timeout = timeout
            // The socket is made and connected before `fd` is set: a class whose init throws
            // once every property is set runs its deinit, which would close the socket a second
            // time, and by then its number may belong to another test's socket or event loop.
            fd = try Self.connectedSocket(host: host, port: port, timeout: timeout)
        }

        /// A socket connected to `host:port`, with send and receive timeouts; on failure
        /// the socket is closed here, once.
        private static func connectedSocket(host: String, port: Int, timeout: Double) throws -> Int32 {
            var hints = addrinfo()
            hints.ai_family = AF_UNSPEC
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var info: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(host, String(port), &hints, &info) == 0, let info else { throw Failure.connectFailed(EINVAL) }
            defer { freeaddrinfo(info) }
            let fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw Failure.connectFailed(errno) }
            var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1_000_000))
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            if Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) != 0 {
                let err = errno
                Glibc.close(fd)
                throw Failure.connectFailed(err)
            }
            return fd
        }

        deinit { close() }

        private var closed = false
        public func close() {
            guard !closed else { return }
            closed = true
            Glibc.close(fd)
        }

        /// Ends the connection with a TCP reset (SO_LINGER 0, then close), as a crashed client does.
        public func reset() {
            guard !closed else { return }
            var abort = linger(l_onoff: 1, l_linger: 0)
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort, socklen_t(MemoryLayout<linger>.size))
            close()
        }

        public func write(_ bytes: [UInt8]) throws {
            var offset = 0
            while offset < bytes.count {
                let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if n < 0 {
                    switch errno {
                    case EINTR: continue
                    case ECONNRESET, EPIPE: throw Failure.reset
                    case EAGAIN, EWOULDBLOCK: throw Failure.timedOut
                    default: throw Failure.malformed("send: \(String(cString: strerror(errno)))")
                    }
                }
                offset += n
            }
        }

        public func write(_ text: String) throws { try write(Array(text.utf8)) }

        /// Reads more bytes; returns false at end of stream.
        private func fill() throws -> Bool {
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n > 0 {
                    buffer += chunk[0..<n]
                    return true
                }
                if n == 0 { return false }
                switch errno {
                case EINTR: continue
                case EAGAIN, EWOULDBLOCK: throw Failure.timedOut
                case ECONNRESET: throw Failure.reset
                default: throw Failure.malformed("recv: \(String(cString: strerror(errno)))")
                }
            }
        }

        /// Reads until the peer closes; returns everything it sent (for answers that are not HTTP).
        public func readToEnd() throws -> [UInt8] {
            while try fill() {}
            defer { buffer = [] }
            return buffer
        }

        /// True when the peer has closed (EOF or reset) within the timeout.
        public func waitForClose() -> Bool {
            do {
                while try fill() {}
                return true
            } catch Failure.reset {
                return true
            } catch {
                return false
            }
        }

        /// Reads exactly `count` more bytes; throws `closed` if the peer ends the stream first.
        public func read(exactly count: Int) throws -> [UInt8] {
            while buffer.count < count {
                if try !fill() { throw Failure.closed }
            }
            defer { buffer.removeFirst(count) }
            return Array(buffer[0..<count])
        }

        /// Reads a response head (through the blank line) and returns it as text; the body
        /// stays to be read.
        public func readHead() throws -> String {
            let separator: [UInt8] = Array("\r\n\r\n".utf8)
            while buffer.firstRange(of: separator) == nil {
                if try !fill() { throw Failure.closed }
            }
            let end = buffer.firstRange(of: separator)!.upperBound
            defer { buffer.removeFirst(end) }
            return String(decoding: buffer[0..<end], as: UTF8.self)
        }

        public func readResponse(forHead: Bool = false) throws -> Response {
            let separator: [UInt8] = Array("\r\n\r\n".utf8)
            var headEnd: Int?
            while headEnd == nil {
                headEnd = buffer.firstRange(of: separator)?.lowerBound
                if headEnd == nil, try !fill() { throw Failure.closed }
            }
            let head = String(decoding: buffer[0..<headEnd!], as: UTF8.self)
            buffer.removeFirst(headEnd! + 4)
            var lines = head.components(separatedBy: "\r\n")
            let statusLine = lines.removeFirst().split(separator: " ", maxSplits: 2).map(String.init)
            guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw Failure.malformed(head) }
            let headers = lines.map { line -> (name: String, value: String) in
                let parts = line.split(separator: ":", maxSplits: 1).map(String.init)
                return (name: parts[0], value: parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : "")
            }
            func value(_ name: String) -> String? { headers.first { $0.name.lowercased() == name }?.value }
            var body: [UInt8] = []
            if forHead || status == 204 || status == 304 || (100..<200).contains(status) {
                body = []
            } else if value("transfer-encoding")?.lowercased() == "chunked" {
                body = try readChunked()
            } else if let length = value("content-length").flatMap(Int.init) {
                while buffer.count < length { if try !fill() { throw Failure.closed } }
                body = Array(buffer[0..<length])
                buffer.removeFirst(length)
            } else {
                while try fill() {}
                body = buffer
                buffer = []
            }
            return Response(status: status, reason: statusLine.count > 2 ? statusLine[2] : "", headers: headers, body: body)
        }

        private func readChunked() throws -> [UInt8] {
            var body: [UInt8] = []
            let crlf: [UInt8] = [13, 10]
            while true {
                var lineEnd = buffer.firstRange(of: crlf)?.lowerBound
                while lineEnd == nil {
                    if try !fill() { throw Failure.closed }
                    lineEnd = buffer.firstRange(of: crlf)?.lowerBound
                }
                let sizeText = String(decoding: buffer[0..<lineEnd!], as: UTF8.self).split(separator: ";")[0]
                guard let size = Int(sizeText, radix: 16) else { throw Failure.malformed("chunk size \(sizeText)") }
                buffer.removeFirst(lineEnd! + 2)
                while buffer.count < size + 2 { if try !fill() { throw Failure.closed } }
                body += buffer[0..<size]
                buffer.removeFirst(size + 2)
                if size == 0 { return body }
            }
        }
    }
}
