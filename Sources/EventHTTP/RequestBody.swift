import CLibevent

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A request body as received: either bytes already in Swift (in-process requests), or the
/// bytes libevent buffered, left where they are until a handler asks for them. Uploads can so
/// be hashed and written to a file straight from libevent's buffer, without a second copy.
///
/// A received body is readable while its request is being handled, that is until the
/// response is sent; a handler that answers later takes what it needs first.
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

    public var count: Int {
        switch storage {
        case .bytes(let bytes): bytes.count
        case .received(let body): body.count
        }
    }

    public var isEmpty: Bool { count == 0 }

    /// The whole body as an array: libevent's buffer is moved into it on first use.
    public var bytes: [UInt8] {
        switch storage {
        case .bytes(let bytes): bytes
        case .received(let body): body.bytes
        }
    }

    /// Visits the body in the pieces it is stored in, without copying it.
    public func forEachChunk(_ visit: (UnsafeRawBufferPointer) throws -> Void) rethrows {
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

    var bytes: [UInt8] {
        if let materialized { return materialized }
        guard let buffer else { preconditionFailure("a request body was read after its request was answered") }
        let bytes = LibeventMessage.body(buffer)
        materialized = bytes
        return bytes
    }

    func forEachChunk(_ visit: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        if let materialized {
            try materialized.withUnsafeBytes { try visit($0) }
            return
        }
        guard let buffer else { preconditionFailure("a request body was read after its request was answered") }
        let pieces = evbuffer_peek(buffer, -1, nil, nil, 0)
        guard pieces > 0 else { return }
        var vectors = [iovec](repeating: iovec(), count: Int(pieces))
        let filled = evbuffer_peek(buffer, -1, nil, &vectors, pieces)
        for vector in vectors.prefix(Int(filled)) {
            try visit(UnsafeRawBufferPointer(start: vector.iov_base, count: vector.iov_len))
        }
    }

    func invalidate() {
        buffer = nil
    }
}
