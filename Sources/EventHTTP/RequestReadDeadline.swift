import CLibevent

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Closes connections whose request has been arriving for longer than
/// `HTTPServerSettings.requestReadTimeout`, counted from its first byte.
///
/// Hand-written because libevent 2.1 has no such limit: its connection timeout is an inactivity
/// timeout that every received byte restarts, so a client that trickles a request head a byte
/// at a time (slowloris) holds its connection, and a descriptor, forever. 2.1 also has no hook
/// that names a connection before its request is complete (`evhttp_set_newreqcb` is 2.2), so
/// each connection is watched through the input buffer of the bufferevent made for it
/// (`evhttp_set_bevcb`): an evbuffer callback sees bytes arrive, dispatch and the end of each
/// answer say when a request is no longer being read, and a sweep on the loop closes the late.
///
/// A watch is keyed by the connection's input evbuffer. libevent frees that buffer without
/// telling anyone, so a watch also keeps the socket's descriptor and inode: the sweep acts only
/// when the descriptor still names the same socket, and forgets the watch otherwise.
final class RequestReadDeadline {
    private struct Watch {
        let bufferEvent: OpaquePointer
        let createdAt: UInt64
        /// Known once the first bytes arrive (libevent sets the descriptor after making the
        /// bufferevent).
        var socket: (fd: Int32, inode: UInt64)?
        /// When the first byte of the request now being read arrived; nil while idle or while
        /// the request is being handled and answered.
        var readingSince: UInt64?
        /// From dispatch until the answer is written. Bytes arriving meanwhile are a pipelined
        /// request waiting its turn, not one being read: its clock starts when the answer
        /// before it is written, or a paced answer would have a 408 written into its body.
        var answering = false
    }

    private let loop: EventLoop
    private let limit: UInt64
    /// A watch that never learned its socket is dropped after this: libevent's inactivity
    /// timeout has closed such a connection by then.
    private let forgetSilentAfter: UInt64
    private let answer: [UInt8]
    private var watches: [OpaquePointer: Watch] = [:]
    private var sweepTimer: ScheduledTimer?

    init(loop: EventLoop, settings: HTTPServerSettings) {
        self.loop = loop
        limit = settings.requestReadTimeout.saturatingNanoseconds
        let (silentAfter, overflow) = settings.connectionTimeout.saturatingNanoseconds.addingReportingOverflow(1_000_000_000)
        forgetSilentAfter = overflow ? .max : silentAfter
        answer = Self.serialise(settings.requestReadTimeoutResponse)
    }

    deinit { sweepTimer?.cancel() }

    /// Makes the bufferevent for a new connection (what libevent would make) and watches it.
    func makeBufferEvent() -> OpaquePointer? {
        guard let bufferEvent = bufferevent_socket_new(loop.base, -1, Int32(BEV_OPT_CLOSE_ON_FREE.rawValue)),
              let input = bufferevent_get_input(bufferEvent) else { return nil }
        evbuffer_add_cb(input, { input, info, arg in
            guard let input, let info, let arg, info.pointee.n_added > 0 else { return }
            Unmanaged<RequestReadDeadline>.fromOpaque(arg).takeUnretainedValue().bytesArrived(input)
        }, Unmanaged.passUnretained(self).toOpaque())
        watches[input] = Watch(bufferEvent: bufferEvent, createdAt: EventLoop.monotonicNanoseconds())
        scheduleSweep()
        return bufferEvent
    }

    /// The request on `connection` is complete and in the handler's hands.
    func requestReceived(on connection: OpaquePointer) {
        guard let input = Self.input(of: connection), let index = watches.index(forKey: input) else { return }
        watches.values[index].readingSince = nil
        watches.values[index].answering = true
    }

    /// The answer on `connection` is written; a pipelined request may already be waiting.
    func responseWritten(on connection: OpaquePointer) {
        guard let input = Self.input(of: connection), let index = watches.index(forKey: input) else { return }
        watches.values[index].answering = false
        watches.values[index].readingSince = evbuffer_get_length(input) > 0 ? EventLoop.monotonicNanoseconds() : nil
    }

    /// The socket of `connection` was taken over (a WebSocket): what arrives on it is no
    /// request of evhttp's any more.
    func forget(_ connection: OpaquePointer) {
        guard let input = Self.input(of: connection) else { return }
        watches[input] = nil
    }

    /// The listener's connections are all freed.
    func forgetAll() {
        watches = [:]
        sweepTimer?.cancel()
        sweepTimer = nil
    }

    /// Looked up once and changed in place: this runs for every read on every connection.
    private func bytesArrived(_ input: OpaquePointer) {
        guard let index = watches.index(forKey: input) else { return }
        if watches.values[index].socket == nil {
            // The bufferevent is alive: this is its own buffer's callback.
            let fd = bufferevent_getfd(watches.values[index].bufferEvent)
            if fd >= 0, let inode = Self.inode(of: fd) { watches.values[index].socket = (fd, inode) }
        }
        if watches.values[index].readingSince == nil && !watches.values[index].answering {
            watches.values[index].readingSince = EventLoop.monotonicNanoseconds()
        }
    }

    private func scheduleSweep() {
        guard sweepTimer == nil else { return }
        // A quarter of the limit, so a late request is closed at most a quarter late.
        let interval = Duration.nanoseconds(Int64(min(max(limit / 4, 10_000_000), 1_000_000_000)))
        sweepTimer = loop.schedule(after: interval) { [weak self] in
            guard let self else { return }
            sweepTimer = nil
            sweep()
            if !watches.isEmpty { scheduleSweep() }
        }
    }

    private func sweep() {
        let now = EventLoop.monotonicNanoseconds()
        for (input, watch) in watches {
            guard let socket = watch.socket else {
                if now - watch.createdAt > forgetSilentAfter { watches[input] = nil }
                continue
            }
            guard Self.inode(of: socket.fd) == socket.inode else {
                watches[input] = nil
                continue
            }
            if let since = watch.readingSince, now - since > limit {
                watches[input] = nil
                endLateRequest(socket.fd)
            }
        }
    }

    /// Answers 408 (best effort: nothing else is being written while a request is read, since
    /// a request behind an answer is not read until that answer is written) and
    /// shuts the socket down; libevent then reads the end of stream and frees the connection
    /// itself, so nothing here touches its objects.
    private func endLateRequest(_ fd: Int32) {
        _ = answer.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
        shutdown(fd, Int32(SHUT_RDWR))
    }

    private static func input(of connection: OpaquePointer) -> OpaquePointer? {
        evhttp_connection_get_bufferevent(connection).flatMap(bufferevent_get_input)
    }

    private static func inode(of fd: Int32) -> UInt64? {
        var status = stat()
        guard fstat(fd, &status) == 0 else { return nil }
        return UInt64(status.st_ino)
    }

    /// The answer as bytes on the wire. libevent has no request object to format it with here,
    /// so it is written by hand, always as `408 Request Timeout` with `Connection: close`.
    private static func serialise(_ response: HTTPResponse) -> [UInt8] {
        var head = "HTTP/1.1 408 Request Timeout\r\n"
        for field in response.headers where !["content-length", "connection"].contains(field.name.lowercased()) {
            head += "\(field.name): \(field.value)\r\n"
        }
        head += "Content-Length: \(response.body.count)\r\nConnection: close\r\n\r\n"
        return Array(head.utf8) + response.body
    }
}
