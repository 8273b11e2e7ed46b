/// Functions every deployment has, in one reserved module, so that a Node-action emulation
/// has something to call through `ctx.runQuery` / `runMutation` / `runAction` whatever the
/// config declares. Internal: callable from action callbacks and with an admin key.
enum BuiltInFunctions {
    static let module = "_mockconvex"

    static let query = FunctionPath(module: "\(module).js", function: "ping")
    static let mutation = FunctionPath(module: "\(module).js", function: "touch")
    static let action = FunctionPath(module: "\(module).js", function: "echo")

    static let specs: [FunctionPath: FunctionSpec] = [
        query: FunctionSpec(kind: .query, visibility: .internal, behaviour: .returns(.string("pong"))),
        mutation: FunctionSpec(kind: .mutation, visibility: .internal, behaviour: .returns(.string("touched"))),
        action: FunctionSpec(kind: .action, visibility: .internal, behaviour: .echo),
    ]

    static var paths: Set<FunctionPath> { Set(specs.keys) }

    /// Whether a config may declare `path`: the module is mockconvex's.
    static func isReserved(_ path: FunctionPath) -> Bool {
        path.moduleName == module
    }
}
