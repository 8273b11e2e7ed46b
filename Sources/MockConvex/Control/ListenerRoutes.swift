import EventHTTP

/// `GET /_mock/listeners[/NAME]`, and `PUT /_mock/listeners/NAME` with `{"enabled": bool}`:
/// closing for real (new connects refused, open connections reset), reopening on the same port.
extension ControlRoutes {
    static let listenersPath = "/_mock/listeners"

    func registerListeners(on router: Router) {
        let control = self.control
        let loop = self.loop
        router.add(.GET, Self.listenersPath) { _, responder in
            let statuses = try Self.server(control).statuses
            responder.send(Self.ok(.object([("listeners", .array(statuses.map(Self.json)))])))
        }
        router.add(.GET, prefix: Self.listenersPath + "/") { request, responder in
            let name = Self.remainder(of: request, after: Self.listenersPath + "/")
            guard let status = try Self.server(control).statuses.first(where: { $0.name == name }) else { throw Self.unknownListener(name) }
            responder.send(Self.ok(Self.json(status)))
        }
        router.add(.PUT, prefix: Self.listenersPath + "/") { request, responder in
            let name = Self.remainder(of: request, after: Self.listenersPath + "/")
            let server = try Self.server(control)
            guard server.statuses.contains(where: { $0.name == name }) else { throw Self.unknownListener(name) }
            let body = try Self.body(request)
            guard let members = body.objectMembers, members.allSatisfy({ $0.key == "enabled" }), case .bool(let enabled)? = body["enabled"] else {
                throw ConvexAPIError.badRequest("InvalidListenerState", #"The body must be {"enabled": true} or {"enabled": false}"#)
            }
            // Closing the listener this request came through resets its own connection: the
            // answer could never arrive. The other listener that serves /_mock/ can do it.
            if !enabled && name == request.listener {
                let other = name == ServerOptions.port80Listener ? ServerOptions.adminListener : ServerOptions.port80Listener
                throw ConvexAPIError(status: 409, code: "WouldCloseControlAPI", message: """
                    Closing \(name) through \(name) would reset this very connection, so the answer could never arrive. \
                    Send it through \(other), which serves /_mock/ too, while \(other) is open. \
                    To make \(name) fail for clients while keeping control, add a fault on it instead \
                    (POST /_mock/faults {"listener": "\(name)", "pathPrefix": "/api/", "kind": "reset"}: faults never apply to /_mock/); \
                    to close it for good, stop mockconvex
                    """)
            }
            // The answer comes from another loop's thread; it is sent from this request's loop.
            let back = LoopBound(responder, on: loop.handle)
            server.setListener(name, open: enabled) { result in
                back.run { responder in
                    switch result {
                    case .success(let status): responder.send(Self.ok(Self.json(status)))
                    case .failure(let error):
                        responder.send(ConvexAPIError(status: 409, code: "ListenerUnavailable", message: error.description).response)
                    }
                }
            }
        }
    }

    private static func server(_ control: ControlAPI) throws(ConvexAPIError) -> any ListenerControl {
        guard let server = control.listeners.control else {
            throw ConvexAPIError(status: 503, code: "NotServing", message: "The listeners are not running yet")
        }
        return server
    }

    private static func unknownListener(_ name: String) -> ConvexAPIError {
        .notFound("UnknownListener", "There is no listener \"\(name)\"; the listeners are \(ServerOptions.listenerNames.dropLast().joined(separator: ", ")) and \(ServerOptions.listenerNames.last!)")
    }

    static func json(_ status: HTTPServer.ListenerStatus) -> JSON {
        .object([
            ("name", .string(status.name)),
            ("host", .string(status.host)),
            ("port", .integer(Int64(status.port))),
            ("enabled", .bool(status.open)),
        ])
    }
}
