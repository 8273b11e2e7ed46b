/// Whether a request still waits for its answer, and what has to stop once it no longer does.
///
/// A request stops waiting when it is answered (by its handler, the handler timeout, a fault),
/// aborted, or its connection goes (the client left, its listener was closed). From then on
/// no handler may run for it and nothing may read its body, so work deferred for a request is
/// tied to its lifetime (`Responder.after`, `Responder.whenClosed`) rather than checked by
/// each piece of work: a timer is cancelled, an outbound call is dropped, the moment the
/// request ends. One per request, shared by every view of its responder; confined to its loop.
final class RequestLifetime {
    private(set) var isWaiting = true
    private var endings: [() -> Void] = []

    /// Runs `body` when the request stops waiting, or at once if it already has.
    func onEnd(_ body: @escaping () -> Void) {
        guard isWaiting else { return body() }
        endings.append(body)
    }

    /// The request stops waiting; runs what was waiting for that, once.
    func end() {
        guard isWaiting else { return }
        isWaiting = false
        let endings = self.endings
        self.endings = []
        for ending in endings { ending() }
    }
}
