import CLibevent

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A thread that owns one `EventLoop` and runs it until the loop is stopped.
public final class EventLoopThread: Sendable {
    public var handle: LoopHandle { loop.loop }
    private let loop: LoopBound<EventLoop>
    private let thread: ThreadID

    /// Hands `loop` to a new thread that runs it until it is stopped. The caller must not
    /// touch `loop` (or anything confined to it) afterwards: from now on it belongs to that thread.
    public init(running loop: EventLoop) throws {
        self.loop = LoopBound(loop, on: loop.handle)
        thread = try ThreadID.spawn(Unmanaged.passRetained(loop).toOpaque())
    }

    /// Runs `body` on the loop's thread with the loop. Returns false if the loop has stopped.
    @discardableResult
    public func execute(_ body: @escaping @Sendable (EventLoop) -> Void) -> Bool {
        loop.run(body)
    }

    /// Waits for the thread to end (after its loop was stopped).
    public func join() {
        thread.join()
    }

    /// Lets the thread end on its own, for an owner that cannot wait (it may be running on
    /// that very thread); one of `join` or `detach`, once.
    public func detach() {
        thread.detach()
    }
}

private func runLoopThread(_ arg: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    // `spawn` always passes the retained loop.
    guard let arg else { return nil }
    let loop = Unmanaged<EventLoop>.fromOpaque(arg).takeRetainedValue()
    loop.run()
    loop.finishQueuedWork()
    return nil
}

/// pthread_t is an integer on Glibc but a pointer on Darwin (hence not `Sendable` there); it is
/// only ever passed back to pthread_join.
private struct ThreadID: @unchecked Sendable {
    let raw: pthread_t

    static func spawn(_ arg: UnsafeMutableRawPointer) throws -> ThreadID {
        #if canImport(Glibc)
        var tid = pthread_t()
        let rc = pthread_create(&tid, nil, { runLoopThread($0) }, arg)
        guard rc == 0 else { throw EventLoopError(description: "pthread_create failed: \(String(cString: strerror(rc)))") }
        return ThreadID(raw: tid)
        #else
        var tid: pthread_t?
        let rc = pthread_create(&tid, nil, { runLoopThread($0) }, arg)
        guard rc == 0, let tid else { throw EventLoopError(description: "pthread_create failed: \(String(cString: strerror(rc)))") }
        return ThreadID(raw: tid)
        #endif
    }

    func join() {
        pthread_join(raw, nil)
    }

    func detach() {
        pthread_detach(raw)
    }
}
