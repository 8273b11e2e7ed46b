/// The argument checks a config function applies, worded as the backend's validators word
/// them. Every config function takes one object; `get`, `patch`, `replace` and `delete` also
/// take `id: v.id("<table>")` (and `get`/`delete` nothing else).
enum ArgumentRules {
    /// The single object argument, or the validator's complaint.
    static func singleObject(_ arguments: [ConvexValue]) -> Result<ConvexObject, JSFailure> {
        guard arguments.count == 1 else {
            return .failure(validationError("Expected to receive a single object as the function's argument. Instead received \(arguments.count) arguments: \(ConvexValue.array(arguments).rustDisplay)"))
        }
        guard case .object(let object) = arguments[0] else {
            return .failure(validationError("Expected to receive an object as the function's argument. Instead received: \(arguments[0].rustDisplay)"))
        }
        return .success(object)
    }

    /// Checks `id` as `v.id(table)` would, in the backend's order: presence, then the id, then
    /// (when `onlyId`) fields the validator does not know.
    static func documentId(in arguments: ConvexObject, table: String, onlyId: Bool, tables: TableNumbers) -> Result<DocumentId, JSFailure> {
        let validator = "v.object({id: v.id(\"\(table)\")})"
        guard let value = arguments["id"] else {
            return .failure(validationError("Object is missing the required field `id`. Consider wrapping the field validator in `v.optional(...)` if this is expected.\n\nObject: \(ConvexValue.object(arguments).rustDisplay)\nValidator: \(validator)"))
        }
        let noMatch = validationError("Value does not match validator.\nPath: .id\nValue: \(value.rustDisplay)\nValidator: v.id(\"\(table)\")")
        guard case .string(let text) = value, let id = try? DocumentId(decoding: text), let owner = tables.name(of: id.tableNumber) else {
            return .failure(noMatch)
        }
        if owner != table {
            return .failure(validationError(TableNumbers.isSystem(id.tableNumber)
                ? "Found ID \"\(text)\" from a system table, which does not match the table name in validator `v.id(\"\(table)\")`.Path: .id"
                : "Found ID \"\(text)\" from table `\(owner)`, which does not match the table name in validator `v.id(\"\(table)\")`.Path: .id"))
        }
        if onlyId, let extra = arguments.names.first(where: { $0 != "id" }) {
            return .failure(validationError("Object contains extra field `\(extra)` that is not in the validator.\n\nObject: \(ConvexValue.object(arguments).rustDisplay)\nValidator: \(validator)"))
        }
        return .success(id)
    }

    /// `storageId` as `v.object({storageId: v.string()})` checks it.
    static func storageId(in arguments: ConvexObject) -> Result<String, JSFailure> {
        let validator = "v.object({storageId: v.string()})"
        guard let value = arguments["storageId"] else {
            return .failure(validationError("Object is missing the required field `storageId`. Consider wrapping the field validator in `v.optional(...)` if this is expected.\n\nObject: \(ConvexValue.object(arguments).rustDisplay)\nValidator: \(validator)"))
        }
        guard case .string(let text) = value else {
            return .failure(validationError("Value does not match validator.\nPath: .storageId\nValue: \(value.rustDisplay)\nValidator: v.string()"))
        }
        if let extra = arguments.names.first(where: { $0 != "storageId" }) {
            return .failure(validationError("Object contains extra field `\(extra)` that is not in the validator.\n\nObject: \(ConvexValue.object(arguments).rustDisplay)\nValidator: \(validator)"))
        }
        return .success(text)
    }

    /// Top-level fields starting with `_` are the system's.
    static func userFields(_ fields: ConvexObject, module: String) -> Result<ConvexObject, JSFailure> {
        if let systemField = fields.names.first(where: { $0.hasPrefix("_") }) {
            return .failure(JSFailure.uncaught(
                "Error", "Field '\(systemField)' starts with an underscore, which is only allowed for system fields like '_id'",
                frames: [FunctionRunner.frame(module)]))
        }
        return .success(fields)
    }

    private static func validationError(_ text: String) -> JSFailure {
        JSFailure(message: "ArgumentValidationError: \(text)")
    }
}
