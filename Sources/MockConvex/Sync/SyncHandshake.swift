import Crypto
import EventHTTP
import FoundationEssentials

/// The WebSocket upgrade as the backend's (forked axum) extractor checks it, in its order and
/// with its 400s; and the 101 it answers. permessage-deflate is not offered back: the framing
/// library does not compress, and every client works without it.
enum SyncHandshake {
    /// The GUID RFC 6455 appends to the client's key.
    private static let guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// The 101 for `request`, or the backend's 400 for what is wrong with it.
    static func accept(_ request: HTTPRequest) throws(ConvexAPIError) -> HTTPResponse {
        guard request.method == .GET else { throw .badRequest("MethodNotGet", "Request method must be GET") }
        guard request.headers["Connection"]?.lowercased().contains("upgrade") == true else {
            throw .badRequest("InvalidConnectionHeader", "Connection header did not include upgrade")
        }
        guard request.headers["Upgrade"]?.lowercased() == "websocket" else {
            throw .badRequest("InvalidUpgradeHeader", "Upgrade header did not include websocket")
        }
        guard let key = request.headers["Sec-WebSocket-Key"] else {
            throw .badRequest("WebSocketKeyHeaderMissing", "Sec-WebSocket-Key header missing")
        }
        guard request.headers["Sec-WebSocket-Version"] == "13" else {
            throw .badRequest("InvalidWebSocketVersionHeader", "Sec-WebSocket-Version header did not include 13")
        }
        return HTTPResponse(status: 101, headers: [
            "connection": "upgrade",
            "upgrade": "websocket",
            "sec-websocket-accept": acceptKey(for: key),
        ])
    }

    /// base64(SHA-1(key + GUID)).
    static func acceptKey(for key: String) -> String {
        Base64.encode(Array(Insecure.SHA1.hash(data: Array((key + guid).utf8))))
    }
}
