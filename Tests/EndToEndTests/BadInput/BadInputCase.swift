import Testing

/// One row of the bad-input matrix: the exact bytes a broken or hostile client sends, and the
/// exact answer the server must give before it goes on serving everyone else.
struct BadInputCase: Sendable, CustomTestStringConvertible {
    enum Listener: String, Sendable { case admin, site }

    let name: String
    let listener: Listener
    let request: [UInt8]
    let status: Int
    /// The whole body; `[Request ID: *]` stands for the random request id.
    let body: String
    /// The answer says `Connection: close` and the server then closes the connection.
    let closes: Bool

    /// A case on the admin listener.
    init(_ name: String, _ request: [UInt8], _ status: Int, _ body: String, closes: Bool = false) {
        self.init(name, .admin, request, status, body, closes: closes)
    }

    init(_ name: String, _ listener: Listener, _ request: [UInt8], _ status: Int, _ body: String, closes: Bool = false) {
        self.name = name
        self.listener = listener
        self.request = request
        self.status = status
        self.body = body
        self.closes = closes
    }

    var testDescription: String { name }
}

/// The bytes of the requests in the matrix. Every request names `Host: x`; nothing here depends
/// on the port.
enum Request {
    static func raw(_ text: String) -> [UInt8] { Array(text.utf8) }

    static func get(_ target: String, headers: [(String, String)] = []) -> [UInt8] {
        raw("GET \(target) HTTP/1.1\r\nHost: x\r\n" + headers.map { "\($0.0): \($0.1)\r\n" }.joined() + "\r\n")
    }

    static func delete(_ target: String) -> [UInt8] {
        raw("DELETE \(target) HTTP/1.1\r\nHost: x\r\n\r\n")
    }

    static func post(_ target: String, _ json: String, headers: [(String, String)] = []) -> [UInt8] {
        message("POST", target, Array(json.utf8), contentType: "application/json", headers: headers)
    }

    static func post(_ target: String, bytes: [UInt8]) -> [UInt8] {
        message("POST", target, bytes, contentType: "application/json")
    }

    static func post(_ target: String, _ body: String, contentType: String) -> [UInt8] {
        message("POST", target, Array(body.utf8), contentType: contentType)
    }

    static func put(_ target: String, _ json: String) -> [UInt8] {
        message("PUT", target, Array(json.utf8), contentType: "application/json")
    }

    static func message(_ method: String, _ target: String, _ body: [UInt8], contentType: String, headers: [(String, String)] = []) -> [UInt8] {
        var head = "\(method) \(target) HTTP/1.1\r\nHost: x\r\nContent-Type: \(contentType)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "Content-Length: \(body.count)\r\n\r\n"
        return raw(head) + body
    }

    static let adminKey = "convex-self-hosted|" + String(repeating: "ab", count: 32)
    static let adminAuthorization = [("Authorization", "Convex \(adminKey)")]
    /// Stands for a callback token the server under test issued: `BadInputServer` asks the
    /// control API for one and puts it in place of this before sending.
    static let callbackTokenPlaceholder = "{callback-token}"
    static let callbackToken = [("Convex-Action-Callback-Token", callbackTokenPlaceholder)]
}

/// libevent 2.1's fixed error pages: it answers malformed HTTP itself, before any handler runs,
/// and offers no hook to change these bodies.
enum LibeventPage {
    static func page(_ status: String) -> String {
        let title = status.drop { $0 != " " }.dropFirst()
        return "<HTML><HEAD>\n<TITLE>\(status)</TITLE>\n</HEAD><BODY>\n<H1>\(title)</H1>\n</BODY></HTML>\n"
    }

    static let badRequest = page("400 Bad Request")
    static let notImplemented = page("501 Not Implemented")
    static let tooLarge = page("413 Request Entity Too Large")
}
