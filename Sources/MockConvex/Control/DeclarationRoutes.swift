import EventHTTP

/// Functions and HTTP routes declared at run time, with the config file's JSON:
/// `GET /_mock/functions`, `GET|PUT|DELETE /_mock/functions/{path}`, `GET|PUT /_mock/http-routes`.
extension ControlRoutes {
    static let functionsPath = "/_mock/functions"
    static let httpRoutesPath = "/_mock/http-routes"

    func registerDeclarations(on router: Router) {
        let deployment = control.deployment
        let loop = self.loop
        router.add(.GET, Self.functionsPath) { _, responder in
            let declared = deployment.functionDeclarations.map { (key: $0.path.stripped, value: $0.source) }
            responder.send(Self.ok(.object([("functions", .object(declared))])))
        }
        router.add(.GET, prefix: Self.functionsPath + "/") { request, responder in
            let path = try Self.functionPath(request)
            guard let declared = deployment.functionDeclarations.first(where: { $0.path == path }) else {
                throw ConvexAPIError.notFound("UnknownFunction", "No function \(path.stripped) is declared")
            }
            responder.send(Self.ok(Self.declaration(declared.path, declared.source)))
        }
        router.add(.PUT, prefix: Self.functionsPath + "/") { request, responder in
            let name = Self.remainder(of: request, after: Self.functionsPath + "/")
            let body = try Self.body(request)
            let declared: (FunctionPath, FunctionSpec)
            do throws(ConfigError) {
                declared = try ConfigReader.function(name, body, at: .root)
                try ConfigReader.checkScheduleTarget(declared.1, at: .root) { target in
                    target == declared.0 || deployment.functionDeclarations.contains { $0.path == target }
                }
            } catch {
                throw Self.invalid("InvalidFunction", error)
            }
            deployment.setFunction(declared.0, declared.1, source: body, Reply(on: loop) { result in
                responder.send(result.map { Self.ok(Self.declaration(declared.0, body)) }.mapError(StorageFailure.response))
            })
        }
        router.add(.DELETE, prefix: Self.functionsPath + "/") { request, responder in
            let path = try Self.functionPath(request)
            guard deployment.removeFunction(path) else {
                throw ConvexAPIError.notFound("UnknownFunction", "No function \(path.stripped) is declared")
            }
            responder.send(Self.ok(.object([("removed", .string(path.stripped))])))
        }
        router.add(.GET, Self.httpRoutesPath) { _, responder in
            responder.send(Self.ok(.object([("httpRoutes", .array(deployment.httpRouteDeclarations))])))
        }
        router.add(.PUT, Self.httpRoutesPath) { request, responder in
            let body = try Self.body(request)
            let routes: [HTTPRouteSpec]
            do throws(ConfigError) {
                routes = try ConfigReader.httpRoutes(body, at: .root)
            } catch {
                throw Self.invalid("InvalidHTTPRoutes", error)
            }
            guard case .array(let sources) = body else { throw ConvexAPIError.internalServerError }
            deployment.setHTTPRoutes(routes, sources: sources)
            responder.send(Self.ok(.object([("httpRoutes", .array(sources))])))
        }
    }

    private static func functionPath(_ request: HTTPRequest) throws(ConvexAPIError) -> FunctionPath {
        let name = remainder(of: request, after: functionsPath + "/")
        do {
            return try FunctionPath(parsing: name)
        } catch {
            throw .badRequest("InvalidFunctionPath", "\"\(name)\" is not a function path: \(error.reason)")
        }
    }

    private static func declaration(_ path: FunctionPath, _ source: JSON) -> JSON {
        .object([("path", .string(path.stripped)), ("function", source)])
    }
}
