/// Answers requests. Runs on the loop that accepted the request; may answer at once or later
/// (from a timer or an outbound call on the same loop). A thrown error is turned into a
/// response by whoever called it (the `Router`, or the server as a last resort).
public protocol HTTPHandler {
    func handle(_ request: HTTPRequest, _ responder: Responder) throws
}

extension HTTPHandler {
    /// Runs the handler and answers what it throws: an `HTTPResponseError` with its own
    /// response, anything else with `internalError`. The one place a thrown error becomes an
    /// answer (the router, the server's dispatch and deferred handlers all come here).
    public func answer(_ request: HTTPRequest, _ responder: Responder, internalError: HTTPResponse) {
        do {
            try handle(request, responder)
        } catch let error as HTTPResponseError {
            responder.send(error.response)
        } catch {
            responder.send(internalError)
        }
    }
}

/// A handler made from a closure.
public struct HandlerFunction: HTTPHandler {
    let body: (HTTPRequest, Responder) throws -> Void

    public init(_ body: @escaping (HTTPRequest, Responder) throws -> Void) {
        self.body = body
    }

    public func handle(_ request: HTTPRequest, _ responder: Responder) throws {
        try body(request, responder)
    }
}

/// The way back to the client for one request. Confined to the loop that received the request.
/// The first `send` wins; later ones are ignored, and so is a send after the client went away.
/// Work a handler defers goes through `after` and `whenClosed`, which end with the request:
/// once it is answered (by anyone, the handler timeout included) or its client is gone, no
/// deferred work runs for it.
public final class Responder {
    private enum Target {
        /// In-process use (tests, composed handlers): the closure receives the response, and
        /// the other one an abort.
        case closure((HTTPResponse) -> Void, ((ConnectionAbort) -> Void)?)
        /// A request that came over a socket.
        case exchange(Exchange)
        /// A view of another responder that rewrites responses on their way out, and may pace
        /// their bodies.
        case mapped(Responder, (HTTPResponse) -> HTTPResponse, Pacing?)
    }

    private let target: Target
    /// Shared with the exchange and every mapped view: one request, one lifetime.
    private let lifetime: RequestLifetime
    private let loop: EventLoop
    /// For in-process responders: what to run once the response has been delivered.
    private var afterDelivery: (() -> Void)?

    /// An in-process responder whose deferred work runs on `loop`. `aborted` hears of `abort`;
    /// without it an abort is delivered as no response at all.
    public init(on loop: EventLoop, _ deliver: @escaping (HTTPResponse) -> Void, aborted: ((ConnectionAbort) -> Void)? = nil) {
        target = .closure(deliver, aborted)
        lifetime = RequestLifetime()
        self.loop = loop
    }

    init(exchange: Exchange) {
        target = .exchange(exchange)
        lifetime = exchange.lifetime
        loop = exchange.loop
    }

    private init(parent: Responder, transform: @escaping (HTTPResponse) -> HTTPResponse, pacing: Pacing? = nil) {
        target = .mapped(parent, transform, pacing)
        lifetime = parent.lifetime
        loop = parent.loop
    }

    /// True while the request waits for its answer: nobody has answered or aborted it, and its
    /// client is still connected.
    public var isOpen: Bool { lifetime.isWaiting }

    public func send(_ response: HTTPResponse) {
        send(response, pacing: nil)
    }

    /// Sends `response` with its body paced (in-process, it is delivered whole).
    public func send(_ response: HTTPResponse, pacing: Pacing?) {
        guard lifetime.isWaiting else { return }
        switch target {
        case .closure(let deliver, _):
            lifetime.end()
            deliver(response)
            afterDelivery?()
            afterDelivery = nil
        case .exchange(let exchange): exchange.send(response, pacing: pacing)
        case .mapped(let parent, let transform, let own): parent.send(transform(response), pacing: pacing ?? own)
        }
    }

    /// Ends the connection without an answer (on the next loop turn: libevent is still using
    /// the request while a handler runs). Mapped responders pass it on untransformed.
    public func abort(_ how: ConnectionAbort) {
        guard lifetime.isWaiting else { return }
        switch target {
        case .closure(_, let aborted):
            lifetime.end()
            aborted?(how)
        case .exchange(let exchange): exchange.abort(how)
        case .mapped(let parent, _, _): parent.abort(how)
        }
    }

    /// Answers with `response`, a 101 Switching Protocols whose handshake headers the caller
    /// made (`Upgrade`, `Connection`, `Sec-WebSocket-Accept`), and hands the connection to a
    /// WebSocket driven by `handler` on this loop. The request ends here: its in-flight count,
    /// timeout and deferred work with it. A response with another status is sent as an
    /// ordinary answer, with no upgrade. Returns nil when nothing was upgraded: the request no
    /// longer waited, the status was not 101, the connection could not be taken over (it is
    /// answered 503), or the responder is in-process (which delivers `response` and makes no
    /// socket).
    @discardableResult
    public func upgradeToWebSocket(response: HTTPResponse, settings: WebSocketSettings, handler: any WebSocketHandler) -> WebSocket? {
        guard lifetime.isWaiting else { return nil }
        switch target {
        case .closure:
            send(response)
            return nil
        case .exchange(let exchange):
            return exchange.upgrade(response, settings: settings, handler: handler)
        case .mapped(let parent, let transform, _):
            return parent.upgradeToWebSocket(response: transform(response), settings: settings, handler: handler)
        }
    }

    /// Runs `work` on the request's loop after `delay`, if the request still waits for its
    /// answer then. The timer is cancelled the moment the request stops waiting, so a delay
    /// never outlives its request and what `work` holds is let go at once.
    public func after(_ delay: Duration, _ work: @escaping () -> Void) {
        guard lifetime.isWaiting else { return }
        let lifetime = self.lifetime
        let timer = loop.schedule(after: delay) {
            if lifetime.isWaiting { work() }
        }
        lifetime.onEnd { timer.cancel() }
    }

    /// Runs `body` once the request stops waiting for its answer (at once if it already has):
    /// the place to abandon work in progress for it, such as outbound calls.
    public func whenClosed(_ body: @escaping () -> Void) {
        lifetime.onEnd(body)
    }

    /// A responder that passes every response through `transform` before sending it here.
    public func mapping(_ transform: @escaping (HTTPResponse) -> HTTPResponse) -> Responder {
        Responder(parent: self, transform: transform)
    }

    /// A responder that sends every body here paced.
    public func pacing(_ pacing: Pacing) -> Responder {
        Responder(parent: self, transform: { $0 }, pacing: pacing)
    }

    /// Runs `body` once the response has been handed to the kernel in full (for in-process
    /// responders, once it has been delivered); not at all if the client goes away first.
    public func afterCompletion(_ body: @escaping () -> Void) {
        switch target {
        case .closure:
            if lifetime.isWaiting { afterDelivery = body } else { body() }
        case .exchange(let exchange): exchange.afterCompletion = body
        case .mapped(let parent, _, _): parent.afterCompletion(body)
        }
    }
}
