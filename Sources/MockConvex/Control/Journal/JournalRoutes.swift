import EventHTTP

/// `GET /_mock/requests[?kind=&listener=&method=&pathPrefix=&limit=]`: the journal (HTTP
/// requests and sync messages), newest first;
/// `DELETE /_mock/requests`: cleared.
extension ControlRoutes {
    func registerJournal(on router: Router) {
        let journal = control.journal
        router.add(.GET, "/_mock/requests") { request, responder in
            var entries = journal.entries
            if let kind = request.queryValue("kind") {
                guard ["http", "sync"].contains(kind) else {
                    throw ConvexAPIError.badRequest("InvalidFilter", "kind must be http or sync, got \"\(kind)\"")
                }
                entries = entries.filter { ($0.sync == nil) == (kind == "http") }
            }
            // A misspelt filter would match nothing and look like "no requests"; it is refused.
            if let listener = request.queryValue("listener") {
                guard ServerOptions.listenerNames.contains(listener) else {
                    throw ConvexAPIError.badRequest("InvalidFilter", "listener must be one of \(ServerOptions.listenerNames.joined(separator: ", ")), got \"\(listener)\"")
                }
                entries = entries.filter { $0.listener == listener }
            }
            if let methodText = request.queryValue("method") {
                guard let method = HTTPMethod(rawValue: methodText.uppercased()) else {
                    throw ConvexAPIError.badRequest("InvalidFilter", "method must be one of \(HTTPMethod.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(methodText)\"")
                }
                entries = entries.filter { $0.sync == nil && $0.method == method }
            }
            if let prefix = request.queryValue("pathPrefix") { entries = entries.filter { $0.path.hasPrefix(prefix) } }
            if let limitText = request.queryValue("limit") {
                guard let limit = Int(limitText), limit >= 0 else {
                    throw ConvexAPIError.badRequest("InvalidLimit", "limit must be a whole number of 0 or more, got \"\(limitText)\"")
                }
                entries = Array(entries.prefix(limit))
            }
            responder.send(Self.ok(.object([
                ("capacity", .integer(Int64(journal.capacity))),
                ("requests", .array(entries.map(\.json))),
            ])))
        }
        router.add(.DELETE, "/_mock/requests") { _, responder in
            let count = journal.entries.count
            journal.clear()
            responder.send(Self.ok(.object([("cleared", .integer(Int64(count)))])))
        }
    }
}
