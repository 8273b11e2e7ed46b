import EventHTTP

/// Wraps a listener's handler with what the control API adds: the `/_mock/` routes (on the
/// admin listener), faults, and the journal entry of every other request.
final class ObservedHandler: HTTPHandler {
    private let inner: any HTTPHandler
    private let control: ControlAPI
    private let routes: ControlRoutes?
    private let listener: String
    /// Recording, credentials are a real deployment's: the journal keeps their names only.
    private let hidesCredentials: Bool

    /// `routes` serves `/_mock/` here; without it those paths go to `inner` like any other.
    init(_ inner: any HTTPHandler, control: ControlAPI, routes: ControlRoutes?, listener: String) {
        self.inner = inner
        self.control = control
        self.routes = routes
        self.listener = listener
        hidesCredentials = control.deployment.settings.recording != nil
    }

    private func journalHeaders(_ headers: HTTPHeaders) -> [(name: String, value: String)] {
        guard hidesCredentials else { return headers.fields }
        return headers.fields.map { HTTPHeaders.sameName($0.name, "Authorization") ? ($0.name, "[redacted]") : $0 }
    }

    func handle(_ request: HTTPRequest, _ responder: Responder) throws {
        if let routes, ControlAPI.isControlPath(request.path) {
            return routes.handle(request, responder)
        }
        let started = EventLoop.monotonicNanoseconds()
        let body = RequestJournal.preview(of: request.content)
        var entry = JournalEntry(
            sequence: 0, time: Deployment.nowMilliseconds(), listener: listener, method: request.method,
            path: request.path, query: request.query, headers: journalHeaders(request.headers),
            bodySize: body.size, bodyPreview: body.text, status: nil, fault: nil, durationMs: 0)
        let journal = control.journal
        let fault = control.faults.take(listener: listener, method: request.method, path: request.path)
        entry.fault = fault.map { type(of: $0).name }
        let recording = responder.mapping { response in
            entry.status = response.status
            entry.durationMs = Double(EventLoop.monotonicNanoseconds() - started) / 1e6
            journal.record(entry)
            return response
        }
        guard let fault else {
            return try inner.handle(request, recording)
        }
        if fault.abortsConnection {
            journal.record(entry)
        }
        // Run outside the server's dispatch (after a delay, and only while the request still
        // waits: see `Responder.after`), so what it throws is answered here as the server would.
        let inner = self.inner
        fault.apply(recording) { responder in
            inner.answer(request, responder, internalError: ConvexAPIError.internalServerError.response)
        }
    }
}
