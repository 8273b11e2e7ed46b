import CLibevent

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Notices a client that leaves while its request is being handled.
///
/// Hand-written because libevent 2.1 stops reading a connection once its request is complete
/// and starts again only to write the answer, so on its own it learns that the client left
/// when the answer is written: a delayed handler would run for nobody. This watches the socket
/// meanwhile with an event of its own and peeks at it: an end of stream or an error means the
/// client is gone (the backend's server, hyper without half-close, drops the request on a FIN
/// too); bytes are a pipelined request, which the watch leaves where they are and stops, since
/// it cannot look past them without taking them.
final class DisconnectWatch {
    private var event: OpaquePointer?
    private var gone: (() -> Void)?

    /// Watches `fd` on `loop`; `gone` runs once, from the watch's own callback, if the client
    /// leaves before `stop()`.
    init(loop: EventLoop, fd: Int32, gone: @escaping () -> Void) {
        self.gone = gone
        // Not persistent: re-armed after a wake-up with nothing to see, so the event is never
        // pending while its callback frees it.
        event = event_new(loop.base, fd, Int16(EV_READ), { fd, _, arg in
            guard let arg else { return }
            Unmanaged<DisconnectWatch>.fromOpaque(arg).takeUnretainedValue().readable(fd)
        }, Unmanaged.passUnretained(self).toOpaque())
        // Without the event (no memory) the request is simply not watched, as before.
        if let event { event_add(event, nil) }
    }

    deinit { stop() }

    func stop() {
        gone = nil
        if let event { event_free(event) }
        event = nil
    }

    private func readable(_ fd: Int32) {
        var byte: UInt8 = 0
        let peeked = recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        if peeked > 0 { return stop() }
        if peeked < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
            if let event { event_add(event, nil) }
            return
        }
        let gone = self.gone
        stop()
        gone?()
    }
}
