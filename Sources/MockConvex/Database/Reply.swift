import Dispatch
import EventHTTP

/// How a result gets back to whoever asked for it, on the right thread: a request's handler
/// on its own event loop, or a caller that is not a loop (start-up, tests) wherever the result
/// becomes known.
///
/// `@unchecked Sendable` because the closure of a loop caller is not: it is only ever called on
/// that loop (`later` queues it there), or by `now` on the thread that made the reply, during
/// the call that made it.
struct Reply<Value: Sendable>: @unchecked Sendable {
    private let body: (Value) -> Void
    private let loop: LoopHandle?

    /// Answers on `loop`, the caller's own.
    init(on loop: EventLoop, _ body: @escaping (Value) -> Void) {
        self.body = body
        self.loop = loop.handle
    }

    /// Answers on whatever thread knows the result: for callers that are not event loops.
    init(anywhere body: @escaping @Sendable (Value) -> Void) {
        self.body = body
        loop = nil
    }

    /// A reply that turns what it gets into what this one expects, on the same thread rules.
    func map<Other: Sendable>(_ transform: @escaping @Sendable (Other) -> Value) -> Reply<Other> {
        Reply<Other>(body: { [body] other in body(transform(other)) }, loop: loop)
    }

    private init(body: @escaping (Value) -> Void, loop: LoopHandle?) {
        self.body = body
        self.loop = loop
    }

    /// The result is known on the caller's thread, within the call that made this reply.
    func now(_ value: Value) {
        body(value)
    }

    /// The result is known on another thread: queued to the caller's loop (dropped if that
    /// loop has stopped, when nobody is left to answer).
    func later(_ value: Value) {
        guard let loop else { return body(value) }
        let body = body
        let boxed = UncheckedValue(value: value, body: body)
        loop.execute { boxed.body(boxed.value) }
    }

    /// Runs `start` with a reply and blocks until it answers. Never call it on a thread the
    /// answer needs (an event loop, or the database's writer).
    static func wait(_ start: (Reply<Value>) -> Void) -> Value {
        let done = DispatchSemaphore(value: 0)
        let box = Locked<Value?>(nil)
        start(Reply(anywhere: { value in
            box.withLock { $0 = value }
            done.signal()
        }))
        done.wait()
        // Set before the signal that let this thread go on.
        return box.withLock { $0 }!
    }
}

/// The closure and its argument on their way to the loop that owns the closure.
private struct UncheckedValue<Value>: @unchecked Sendable {
    let value: Value
    let body: (Value) -> Void
}
