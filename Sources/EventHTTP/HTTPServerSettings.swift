/// Limits and fixed answers shared by every listener of a server.
public struct HTTPServerSettings: Sendable {
    /// Event loops (threads) serving every port.
    public var loops: Int = 1
    /// Larger bodies are read to the end (so the client can read the answer) and answered 413.
    public var maxBodyBytes: Int = 64 << 20
    /// Larger request heads are answered 400 by libevent.
    public var maxHeaderBytes: Int = 64 << 10
    /// A connection idle, or stalled mid-request, for this long is closed.
    public var connectionTimeout: Duration = .seconds(60)
    /// A request (head and body) still arriving this long after its first byte is answered
    /// `requestReadTimeoutResponse` and its connection closed: the inactivity timeout alone
    /// never ends a client that trickles bytes.
    public var requestReadTimeout: Duration = .seconds(60)
    /// Written by hand on the wire, always as `408 Request Timeout`; its headers and body are used.
    public var requestReadTimeoutResponse = HTTPResponse.text(408, "Request Timeout")
    /// A handler that has not answered after this long gets `handlerTimeoutResponse` sent for it.
    public var handlerTimeout: Duration = .seconds(300)
    public var handlerTimeoutResponse = HTTPResponse.text(408, "Request Timeout")
    /// The answer to a request whose body boundaries are ambiguous (`RequestFraming`), given
    /// what is wrong; `Connection: close` is added.
    public var malformedRequestResponse: @Sendable (String) -> HTTPResponse = { HTTPResponse.text(400, $0) }
    /// Sent when a handler throws an error that is not an `HTTPResponseError`.
    public var internalErrorResponse = HTTPResponse.text(500, "Internal Server Error")
    /// Called on the serving loop once per answered request.
    public var accessLog: (@Sendable (AccessRecord) -> Void)?

    public init() {}
}

/// What the access log gets for each answered request.
public struct AccessRecord: Sendable {
    public let listener: String
    public let method: HTTPMethod
    public let uri: String
    public let status: Int
    public let durationNanoseconds: UInt64
    public let responseBytes: Int
    public let remoteAddress: String
}
