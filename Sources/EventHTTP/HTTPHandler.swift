/// Answers requests. Runs on the loop that accepted the request; may answer at once or later
/// (from a timer or an outbound call on the same loop). A thrown error is turned into a
/// response by whoever called it (the `Router`, or the server as a last resort).
public protocol HTTPHandler {
    func handle(_ request: HTTPRequest, _ responder: Responder) throws
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
public final class Responder {
    private enum Target {
        /// In-process use (tests, composed handlers): the closure receives the response.
        case closure((HTTPResponse) -> Void)
        /// A request that came over a socket.
        case exchange(Exchange)
        /// A view of another responder that rewrites responses on their way out.
        case mapped(Responder, (HTTPResponse) -> HTTPResponse)
    }

    private let target: Target
    private var answered = false
    /// For in-process responders: what to run once the response has been delivered.
    private var afterDelivery: (() -> Void)?

    public init(_ deliver: @escaping (HTTPResponse) -> Void) {
        target = .closure(deliver)
    }

    init(exchange: Exchange) {
        target = .exchange(exchange)
    }

    private init(parent: Responder, transform: @escaping (HTTPResponse) -> HTTPResponse) {
        target = .mapped(parent, transform)
    }

    /// True until a response has been sent or the client has gone.
    public var isOpen: Bool {
        guard !answered else { return false }
        switch target {
        case .closure: return true
        case .exchange(let exchange): return exchange.isConnected
        case .mapped(let parent, _): return parent.isOpen
        }
    }

    public func send(_ response: HTTPResponse) {
        guard !answered else { return }
        answered = true
        switch target {
        case .closure(let deliver):
            deliver(response)
            afterDelivery?()
            afterDelivery = nil
        case .exchange(let exchange): exchange.send(response)
        case .mapped(let parent, let transform): parent.send(transform(response))
        }
    }

    /// A responder that passes every response through `transform` before sending it here.
    public func mapping(_ transform: @escaping (HTTPResponse) -> HTTPResponse) -> Responder {
        Responder(parent: self, transform: transform)
    }

    /// Runs `body` once the response has been handed to the kernel in full (for in-process
    /// responders, once it has been delivered); not at all if the client goes away first.
    public func afterCompletion(_ body: @escaping () -> Void) {
        switch target {
        case .closure:
            if answered { body() } else { afterDelivery = body }
        case .exchange(let exchange): exchange.afterCompletion = body
        case .mapped(let parent, _): parent.afterCompletion(body)
        }
    }
}
