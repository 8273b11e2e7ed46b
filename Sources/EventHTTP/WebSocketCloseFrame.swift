/// What a Close frame sent by the server may carry.
enum CloseFrame {
    /// The codes RFC 6455 (§7.4) lets an endpoint send; any other becomes 1011.
    static func sendable(_ code: UInt16?) -> UInt16? {
        guard let code else { return nil }
        return WebSocket.maySend(code) ? code : 1011
    }

    /// At most 123 bytes (a control frame carries 125, two of them the code), cut before a
    /// character that does not fit, so the reason stays UTF-8.
    static func truncated(_ reason: String) -> [UInt8] {
        let bytes = Array(reason.utf8)
        guard bytes.count > 123 else { return bytes }
        var end = 123
        while end > 0 && bytes[end] & 0xC0 == 0x80 { end -= 1 }
        return Array(bytes[..<end])
    }
}
