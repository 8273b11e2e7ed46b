import CLibevent

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A connection's socket taken from evhttp, with what the client sent after its request.
struct TakenSocket {
    let fd: Int32
    /// An evbuffer the taker owns: the bytes evhttp had read past the request (a client may
    /// send its first frames right behind an upgrade request).
    let pending: OpaquePointer
}

/// Takes the socket of `connection` away from evhttp, which must never shut it down or close
/// it; nil, with nothing changed, when no descriptor is left for it.
///
/// Hand-written because libevent 2.1 cannot hand a connection's socket over: freeing the
/// connection shuts the descriptor down (a FIN) and closes it. So the socket is duplicated and
/// a placeholder takes the original descriptor's number (as `resetConnection` does), for evhttp
/// to shut down and close when it frees the connection. The connection's bufferevent is
/// disabled before the placeholder goes in: epoll keeps a registration per descriptor number
/// and open socket, and one left for the real socket would go on reporting it under the
/// number evhttp thinks is its own. The caller stops any other event on the descriptor
/// (a `DisconnectWatch`) first, for the same reason, and frees the connection from a fresh
/// callback afterwards.
func takeSocket(of connection: OpaquePointer) -> TakenSocket? {
    guard let bufferEvent = evhttp_connection_get_bufferevent(connection) else { return nil }
    let fd = bufferevent_getfd(bufferEvent)
    // Every descriptor the takeover needs is made before anything changes, so that running out
    // of them leaves the connection to evhttp, able to answer.
    guard fd >= 0, let placeholder = makePlaceholderSocket() else { return nil }
    let taken = fcntl(fd, F_DUPFD_CLOEXEC, 0)
    guard taken >= 0, let pending = evbuffer_new() else {
        close(placeholder)
        if taken >= 0 { close(taken) }
        return nil
    }
    bufferevent_disable(bufferEvent, Int16(EV_READ | EV_WRITE))
    guard putPlaceholder(placeholder, at: fd) else {
        // evhttp keeps the socket: writing an answer enables the bufferevent again.
        close(taken)
        evbuffer_free(pending)
        return nil
    }
    evbuffer_add_buffer(pending, bufferevent_get_input(bufferEvent))
    return TakenSocket(fd: taken, pending: pending)
}
