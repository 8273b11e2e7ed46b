/// Functions every deployment has, in one reserved module, so that a Node-action emulation
/// has something to call through `ctx.runQuery` / `runMutation` / `runAction` whatever the
/// config declares. Internal: callable from action callbacks and with an admin key.
public enum BuiltInFunctions {
    public static let module = "_mockconvex"

    public static let query = FunctionPath(module: "\(module).js", function: "ping")
    public static let mutation = FunctionPath(module: "\(module).js", function: "touch")
    public static let action = FunctionPath(module: "\(module).js", function: "echo")

    static let specs: [FunctionPath: FunctionSpec] = [
        query: FunctionSpec(kind: .query, visibility: .internal, behaviour: .returns(.string("pong"))),
        mutation: FunctionSpec(kind: .mutation, visibility: .internal, behaviour: .returns(.string("touched"))),
        action: FunctionSpec(kind: .action, visibility: .internal, behaviour: .echo),
    ]

    public static var paths: Set<FunctionPath> { Set(specs.keys) }

    /// Whether a config may declare `path`: the module is mockconvex's.
    static func isReserved(_ path: FunctionPath) -> Bool {
        path.moduleName == module
    }
}
