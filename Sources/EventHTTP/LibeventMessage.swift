import CLibevent

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading headers and bodies out of libevent's structures, for requests received and
/// responses fetched alike.
enum LibeventMessage {
    static func headers(_ list: UnsafeMutablePointer<evkeyvalq>?) -> HTTPHeaders {
        var headers = HTTPHeaders()
        var entry = list?.pointee.tqh_first
        while let field = entry {
            headers.add(String(cString: field.pointee.key), String(cString: field.pointee.value))
            entry = field.pointee.next.tqe_next
        }
        return headers
    }

    /// Moves the buffer's bytes into an array (one copy, no intermediate `Data`).
    static func body(_ buffer: OpaquePointer?) -> [UInt8] {
        guard let buffer else { return [] }
        let length = evbuffer_get_length(buffer)
        guard length > 0 else { return [] }
        return [UInt8](unsafeUninitializedCapacity: length) { storage, count in
            count = Int(max(0, evbuffer_remove(buffer, storage.baseAddress, length)))
        }
    }
}

extension addrinfo {
    /// Hints for a TCP address of either family.
    static func streamHints(flags: Int32 = 0) -> addrinfo {
        var hints = addrinfo()
        hints.ai_flags = flags
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        return hints
    }
}
