import CLibevent

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A request body read after its request was answered (by its handler, the timeout, a fault,
/// or the client leaving): libevent has let go of the bytes. An error value rather than a trap,
/// so that a late reader fails on its own and the server goes on. It is not an
/// `HTTPResponseError`: nobody is waiting for an answer any more.
public struct RequestBodyGone: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String { "the request body was read after its request was answered" }
}

/// A request body as received: either bytes already in Swift (in-process requests), or the
/// bytes libevent buffered, left where they are until a handler asks for them. Uploads can so
/// be hashed and written to a file straight from libevent's buffer, without a second copy.
///
/// A received body is readable while its request is being handled, that is until it is
/// answered; a handler that answers later takes what it needs first. Reading after that throws
/// `RequestBodyGone`.
public struct RequestBody {
    private enum Storage {
        case bytes([UInt8])
        case received(ReceivedBody)
    }

    private var storage: Storage

    public init(_ bytes: [UInt8] = []) {
        storage = .bytes(bytes)
    }

    init(received buffer: OpaquePointer) {
        storage = .received(ReceivedBody(buffer))
    }

    /// The length as received; known even after the bytes are gone.
    public var count: Int {
        switch storage {
        case .bytes(let bytes): bytes.count
        case .received(let body): body.count
        }
    }

    public var isEmpty: Bool { count == 0 }

    /// False once the request was answered and its received bytes were let go.
    public var isReadable: Bool {
        switch storage {
        case .bytes: true
        case .received(let body): body.isReadable
        }
    }

    /// The whole body as an array: libevent's buffer is moved into it on first use.
    public func bytes() throws(RequestBodyGone) -> [UInt8] {
        switch storage {
        case .bytes(let bytes): bytes
        case .received(let body): try body.bytes()
        }
    }

    /// Visits the body in the pieces it is stored in, without copying it. Throws
    /// `RequestBodyGone` before visiting anything when the body is no longer readable, and
    /// whatever `visit` throws.
    public func forEachChunk(_ visit: (UnsafeRawBufferPointer) throws -> Void) throws {
        switch storage {
        case .bytes(let bytes):
            try bytes.withUnsafeBytes { try visit($0) }
        case .received(let body):
            try body.forEachChunk(visit)
        }
    }

    /// Marks a received body as no longer readable (its request was answered).
    func invalidate() {
        if case .received(let body) = storage { body.invalidate() }
    }
}

/// libevent's input buffer of one request, valid until the request is answered.
final class ReceivedBody {
    private var buffer: OpaquePointer?
    private var materialized: [UInt8]?
    let count: Int

    init(_ buffer: OpaquePointer) {
        self.buffer = buffer
        count = evbuffer_get_length(buffer)
    }

    var isReadable: Bool { materialized != nil || buffer != nil }

    func bytes() throws(RequestBodyGone) -> [UInt8] {
        if let materialized { return materialized }
        guard let buffer else { throw RequestBodyGone() }
        let bytes = LibeventMessage.body(buffer)
        materialized = bytes
        return bytes
    }

    func forEachChunk(_ visit: (UnsafeRawBufferPointer) throws -> Void) throws {
        if let materialized {
            try materialized.withUnsafeBytes { try visit($0) }
            return
        }
        guard let buffer else { throw RequestBodyGone() }
        let pieces = evbuffer_peek(buffer, -1, nil, nil, 0)
        guard pieces > 0 else { return }
        var vectors = [iovec](repeating: iovec(), count: Int(pieces))
        let filled = evbuffer_peek(buffer, -1, nil, &vectors, pieces)
        for vector in vectors.prefix(Int(max(0, filled))) {
            try visit(UnsafeRawBufferPointer(start: vector.iov_base, count: vector.iov_len))
        }
    }

    /// The request was answered: the bytes go with it, unless a reader already took them.
    func invalidate() {
        buffer = nil
        materialized = nil
    }
}
