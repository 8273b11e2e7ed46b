import CLibevent

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Resets the TCP connection on `fd` now, leaving `fd` open on a fresh unconnected socket for
/// its owner (libevent) to close.
///
/// Hand-written because libevent cannot do it: freeing an evhttp connection calls
/// `shutdown(fd, SHUT_WR)` before closing, which sends a FIN, so a linger-0 close afterwards
/// is read by the client as an orderly EOF, not ECONNRESET. Here the connection's last
/// descriptor is closed with SO_LINGER 0 first (an RST, nothing else), and a placeholder takes
/// `fd`'s number so that libevent's later shutdown, event removal and close touch nothing real.
func resetConnection(fd: Int32) {
    let connection = dup(fd)
    guard connection >= 0 else { return }
    setResetOnClose(connection)
    if let placeholder = makePlaceholderSocket() {
        putPlaceholder(placeholder, at: fd)
    }
    close(connection)
}

/// Makes the next close of `fd` (its last descriptor) send an RST instead of a FIN.
func setResetOnClose(_ fd: Int32) {
    var abort = linger(l_onoff: 1, l_linger: 0)
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort, socklen_t(MemoryLayout<linger>.size))
}

/// An unconnected socket to stand in for one taken away from libevent; nil when no descriptor
/// is left.
func makePlaceholderSocket() -> Int32? {
    #if canImport(Glibc)
    let placeholder = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    #else
    let placeholder = socket(AF_INET, SOCK_STREAM, 0)
    #endif
    return placeholder >= 0 ? placeholder : nil
}

/// Puts `placeholder` at `fd`'s number (closing what `fd` named there) and lets go of its own.
/// Returns false, with nothing changed, when that fails.
@discardableResult
func putPlaceholder(_ placeholder: Int32, at fd: Int32) -> Bool {
    defer { close(placeholder) }
    guard dup2(placeholder, fd) >= 0 else { return false }
    // dup2 clears close-on-exec (dup3, which keeps it, is not in Swift's Glibc module): a
    // program started later must not inherit the placeholder.
    _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
    return true
}
