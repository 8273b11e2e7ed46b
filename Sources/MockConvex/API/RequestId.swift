import EventHTTP

/// The id the backend puts in `[Request ID: ...]`: the client's `Convex-Request-Id` when it
/// sends one, else 8 random bytes as lowercase hex.
enum RequestId {
    static func of(_ request: HTTPRequest) -> String {
        request.headers["Convex-Request-Id"] ?? fresh()
    }

    static func fresh() -> String {
        var generator = SystemRandomNumberGenerator()
        return Hex.encode((0..<8).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }
}
