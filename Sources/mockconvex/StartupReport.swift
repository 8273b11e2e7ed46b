import EventHTTP
import MockConvex

/// The lines printed once serving: one per listener with its real address and port (tests
/// that asked for port 0 read them), the admin key, then `ready`.
enum StartupReport {
    static func print(server: MockConvexServer, setup: ServeSetup, adminKeyGenerated: Bool) {
        var lines: [String] = []
        for listener in server.listeners where listener.open {
            lines.append("mockconvex listening: \(listener.name) http://\(SocketAddressText.hostPort(listener.host, listener.port))")
        }
        if !setup.options.servePort80 {
            lines.append("mockconvex not serving: port80 (--no-port80): connections to port 80 are refused")
        }
        if setup.settings.recording != nil, !adminKeyGenerated {
            // The upstream's real key: not for CI logs.
            lines.append("mockconvex admin key: the one given to --admin-key (the upstream's; not shown)")
        } else {
            lines.append("mockconvex admin key\(adminKeyGenerated ? " (generated)" : ""): \(setup.settings.adminKey)")
        }
        lines.append("mockconvex convex origin: \(setup.settings.convexOrigin)")
        if let path = setup.configPath {
            lines.append("mockconvex config: \(path) (\(setup.config.counts.functions) functions, \(setup.config.counts.httpRoutes) HTTP routes)")
        }
        if let recording = setup.settings.recording {
            lines.append("mockconvex recording: \(recording.upstream.url) (HTTP actions \(recording.upstream.siteURL)) into \(recording.outputPath)")
        }
        lines.append("mockconvex ready")
        StandardStreams.writeOutput(lines.map { $0 + "\n" }.joined())
    }
}
