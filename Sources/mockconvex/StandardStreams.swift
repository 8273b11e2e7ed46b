#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Unbuffered writes to stdout and stderr: each call reaches the reader at once, so a test
/// waiting for `mockconvex ready` sees it, and nothing is lost when the process exits.
enum StandardStreams {
    static func writeOutput(_ text: String) { write(Array(text.utf8), to: 1) }
    static func writeError(_ text: String) { write(Array(text.utf8), to: 2) }

    static func write(_ bytes: [UInt8], to descriptor: Int32) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += written
        }
    }
}
