/// A complete response. The body is sent as is; `Content-Length` and `Date` are added on the
/// wire.
public struct HTTPResponse: Sendable, Equatable {
    public var status: Int
    public var headers: HTTPHeaders
    public var content: ResponseBody

    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.init(status: status, headers: headers, content: .bytes(body))
    }

    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), content: ResponseBody) {
        self.status = status
        self.headers = headers
        self.content = content
    }

    /// The body as an array; reading it from a shared buffer or a file copies it.
    public var body: [UInt8] {
        get { content.bytes }
        set { content = .bytes(newValue) }
    }

    /// Equal when status, headers and body bytes are.
    public static func == (lhs: HTTPResponse, rhs: HTTPResponse) -> Bool {
        lhs.status == rhs.status && lhs.headers == rhs.headers && lhs.body == rhs.body
    }

    /// A text body with its content type.
    public static func text(_ status: Int, _ text: String, contentType: String = "text/plain; charset=utf-8") -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": contentType], body: Array(text.utf8))
    }

    /// An already-serialised JSON body.
    public static func json(_ status: Int, _ body: [UInt8]) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: body)
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// An error that knows the response it should become. The router turns thrown errors into
/// responses in one place through this.
public protocol HTTPResponseError: Error {
    var response: HTTPResponse { get }
}
