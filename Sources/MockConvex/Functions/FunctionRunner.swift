/// Runs a config function's behaviour against the store, producing what the JavaScript
/// runtime would have: a value or a failure, and the log lines.
enum FunctionRunner {
    /// The stack frame config functions report: the handler of the function's module, since
    /// there is no source to point into.
    static func frame(_ moduleName: String) -> String {
        "handler (../convex/\(moduleName).ts:1:1)"
    }

    static func run<R: RandomNumberGenerator>(
        _ spec: FunctionSpec, path: FunctionPath, arguments: [ConvexValue], store: inout DocumentStore, random: inout R
    ) -> FunctionOutcome {
        let logLines = spec.logs.map { LogLine.format(level: $0.level, arguments: [.string($0.message)]) }
        let result = ArgumentRules.singleObject(arguments).flatMap { args in
            perform(spec.behaviour, args: args, module: path.moduleName, store: &store, random: &random)
        }
        return FunctionOutcome(result, logLines: logLines)
    }

    private static func perform<R: RandomNumberGenerator>(
        _ behaviour: FunctionSpec.Behaviour, args: ConvexObject, module: String, store: inout DocumentStore, random: inout R
    ) -> Result<ConvexValue, JSFailure> {
        func uncaught(_ message: String) -> JSFailure {
            JSFailure.uncaught("Error", message, frames: [frame(module)])
        }
        switch behaviour {
        case .insert(let table):
            return ArgumentRules.userFields(args, module: module).map { fields in
                .string(store.insert(into: table, fields: fields, using: &random).id.encoded)
            }
        case .get(let table):
            return ArgumentRules.documentId(in: args, table: table, onlyId: true, tables: store.tableNumbers).map { id in
                store.get(id).map { .object($0.value) } ?? .null
            }
        case .list(let table, let order):
            let documents = store.list(table, matching: args)
            let ordered = order == .asc ? documents : documents.reversed()
            return .success(.array(ordered.map { .object($0.value) }))
        case .patch(let table), .replace(let table):
            let isPatch = if case .patch = behaviour { true } else { false }
            return ArgumentRules.documentId(in: args, table: table, onlyId: false, tables: store.tableNumbers).flatMap { id in
                var changes = args
                changes["id"] = nil
                return ArgumentRules.userFields(changes, module: module).flatMap { changes in
                    guard var fields = store.get(id)?.fields else {
                        return .failure(uncaught("\(isPatch ? "Update" : "Replace") on nonexistent document ID \(id.encoded)"))
                    }
                    if isPatch {
                        for change in changes { fields[change.name] = change.value }
                    } else {
                        fields = changes
                    }
                    _ = store.update(id, fields: fields)
                    return .success(.null)
                }
            }
        case .delete(let table):
            return ArgumentRules.documentId(in: args, table: table, onlyId: true, tables: store.tableNumbers).flatMap { id in
                store.delete(id) ? .success(.null) : .failure(uncaught("Delete on nonexistent document ID \(id.encoded)"))
            }
        case .returns(let value):
            return .success(value)
        case .echo:
            return .success(.object(args))
        case .throwsError(let message, nil):
            return .failure(uncaught(message ?? ""))
        case .throwsError(let message, let data?):
            // A ConvexError's message is its data, as JSON.stringify writes it, unless the
            // config gives one.
            return .failure(JSFailure.uncaught("ConvexError", message ?? data.convexErrorMessage, frames: [frame(module)], data: data))
        }
    }
}
