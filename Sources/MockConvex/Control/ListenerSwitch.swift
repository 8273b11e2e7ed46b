import EventHTTP

/// What the control API needs of the server to switch listeners: their states, and opening or
/// closing one for real.
protocol ListenerControl: Sendable {
    var statuses: [HTTPServer.ListenerStatus] { get }
    func setListener(_ name: String, open: Bool, completion: @escaping @Sendable (Result<HTTPServer.ListenerStatus, ListenError>) -> Void)
}

extension HTTPServer: ListenerControl {}

/// The server, known once it exists: the handlers that switch listeners are made before it is.
final class ListenerSwitch: Sendable {
    private let server = Locked<(any ListenerControl)?>(nil)

    func attach(_ control: any ListenerControl) {
        server.withLock { $0 = control }
    }

    var control: (any ListenerControl)? {
        server.withLock { $0 }
    }
}
