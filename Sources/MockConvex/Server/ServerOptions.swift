/// Where and how the three listeners serve.
public struct ServerOptions: Sendable {
    public var host = "127.0.0.1"
    /// The admin / cloud API port (`--port`).
    public var adminPort = 3210
    /// The HTTP-action port (`--site-proxy-port`).
    public var sitePort = 3211
    /// The port standing for port 80.
    public var port80Port = 80
    /// False leaves port 80 unserved, as in the broken self-hosted setup (`--no-port80`); the
    /// control API can still open it later.
    public var servePort80 = true
    /// The `/_mock/` control API, journal and faults; nil removes them (`--no-control-api`).
    public var control: ControlAPI.Options? = ControlAPI.Options()
    /// Event loops serving every port.
    public var threads = 1
    /// Request bodies over these get 413.
    public var bodyLimits = BodyLimits()
    public var maxHeaderBytes = 64 << 10
    /// An idle or stalled connection is closed after this.
    public var connectionTimeout: Duration = .seconds(60)
    /// A request still arriving this long after its first byte gets 408 and its connection is
    /// closed (a client trickling bytes never goes idle).
    public var readTimeout: Duration = .seconds(60)
    /// The backend's `HTTP_SERVER_TIMEOUT_SECONDS`: a request still unanswered gets 408.
    public var requestTimeout: Duration = .seconds(300)
    /// A sync client holding more than 256 KiB of unread updates is closed (1008) if it has
    /// not read them all within this (`--send-timeout`, after nginx's `send_timeout`).
    public var syncSendTimeout: Duration = .seconds(30)

    public init() {}

    /// The listener names the control API and logs use.
    public static let adminListener = "admin"
    public static let siteListener = "site"
    public static let port80Listener = "port80"
    public static let listenerNames = [adminListener, siteListener, port80Listener]
}
