import EventHTTP

/// `GET /_mock/sync`: every open sync session (its id, the client's session id and version,
/// its identity, version, query set, and messages in and out), gathered from each session's
/// own loop. `DELETE /_mock/sync` drops them all (`?code=&reason=` for the Close frame; no
/// code for one without payload), as `DELETE /_mock/sync/{id}` drops one.
extension ControlRoutes {
    static let syncPath = "/_mock/sync"

    func registerSync(on router: Router) {
        let sessions = control.deployment.syncSessions
        let loop = self.loop
        router.add(.GET, Self.syncPath) { _, responder in
            let back = LoopBound(responder, on: loop.handle)
            sessions.summaries { summaries in
                back.run { $0.send(Self.ok(.object([("sessions", .array(summaries))]))) }
            }
        }
        router.add(.DELETE, Self.syncPath) { request, responder in
            let (code, reason) = try Self.closeFrame(request)
            responder.send(Self.ok(.object([("dropped", .integer(Int64(sessions.drop(nil, code: code, reason: reason))))])))
        }
        router.add(.DELETE, prefix: Self.syncPath + "/") { request, responder in
            let text = Self.remainder(of: request, after: Self.syncPath + "/")
            guard let id = Int(text) else {
                throw ConvexAPIError.notFound("UnknownSyncSession", "There is no sync session \(text); GET /_mock/sync lists them")
            }
            let (code, reason) = try Self.closeFrame(request)
            guard sessions.drop([id], code: code, reason: reason) == 1 else {
                throw ConvexAPIError.notFound("UnknownSyncSession", "There is no sync session \(id); GET /_mock/sync lists them")
            }
            responder.send(Self.ok(.object([("dropped", .integer(1))])))
        }
    }

    /// `?code=` (one a server may send; absent: a Close without payload) and `?reason=` (at most 123 bytes).
    private static func closeFrame(_ request: HTTPRequest) throws(ConvexAPIError) -> (UInt16?, String) {
        let reason = request.queryValue("reason") ?? ""
        guard reason.utf8.count <= 123 else {
            throw .badRequest("InvalidCloseFrame", "reason is at most 123 bytes, got \(reason.utf8.count)")
        }
        guard let codeText = request.queryValue("code") else {
            guard reason.isEmpty else { throw .badRequest("InvalidCloseFrame", "a reason needs a code; give one a server may send (\(WebSocket.sendableCodes))") }
            return (nil, "")
        }
        guard let code = UInt16(codeText), WebSocket.maySend(code) else {
            throw .badRequest("InvalidCloseFrame", "code must be a close code a server may send (\(WebSocket.sendableCodes)), got \"\(codeText)\"")
        }
        return (code, reason)
    }
}
