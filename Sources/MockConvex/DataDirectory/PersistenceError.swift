#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why the store could not do something, in words that say what to check.
public struct PersistenceError: Error, CustomStringConvertible, Sendable {
    public let description: String
    /// SQLITE_FULL or ENOSPC: the disk is full, which clients hear about as 507.
    let diskFull: Bool
    /// SQLITE_IOERR: the disk failed mid-write, so whether a commit reached it is not known.
    let ioError: Bool

    init(_ description: String, diskFull: Bool = false, ioError: Bool = false) {
        self.description = description
        self.diskFull = diskFull
        self.ioError = ioError
    }

    /// An upload whose request was answered (or whose client left) before its bytes were stored.
    static let bodyGone = PersistenceError("the upload's request was already answered, so its bytes are gone")

    /// A system call that failed: `action` and errno's text; a full disk is marked as such.
    static func system(_ action: String) -> PersistenceError {
        let code = errno
        return PersistenceError("\(action): \(String(cString: strerror(code)))", diskFull: code == ENOSPC || code == EDQUOT)
    }

    /// A write after shutdown began.
    static let closed = PersistenceError("the server is stopping, so nothing more is stored")
}
