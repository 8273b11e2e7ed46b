import EventHTTP
import MockConvex

/// What to do when a listener cannot be opened, said in the message itself.
enum StartupAdvice {
    static func explain(_ error: ListenError) -> String {
        let flag = switch error.listener {
        case ServerOptions.adminListener: "--port"
        case ServerOptions.siteListener: "--site-proxy-port"
        default: "--port80-port"
        }
        switch (error.listener, error.reason) {
        case (ServerOptions.port80Listener, .permissionDenied):
            return "\(error). Ports below 1024 need root or CAP_NET_BIND_SERVICE (sudo setcap cap_net_bind_service=+ep \"$(command -v mockconvex)\"). Or pass --port80-port N to stand in for port 80 on a free port, or --no-port80 to leave it unserved as the broken self-hosted setup does."
        case (ServerOptions.port80Listener, .addressInUse):
            return "\(error): another process (a socat sidecar, nginx?) holds it. Stop it, or pass --port80-port N, or --no-port80."
        case (_, .permissionDenied):
            return "\(error). Ports below 1024 need root or CAP_NET_BIND_SERVICE; choose another with \(flag)."
        case (_, .addressInUse):
            return "\(error): another process is listening there. Stop it or choose another port with \(flag) (0 picks a free one)."
        case (_, .addressNotAvailable), (_, .badAddress):
            return "\(error). Check --host."
        case (_, .system):
            return "\(error)"
        }
    }
}
