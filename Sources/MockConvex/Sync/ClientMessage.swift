/// What a sync client sends, read as the backend reads it (convex-rs `sync_types` json.rs:
/// `ClientMessageJson`): the fields it requires, the types it takes, and `args` kept as the
/// positional array it is. Anything else fails the socket with `WSMessageInvalidJson`.
enum ClientMessage: Equatable {
    case connect(Connect)
    case modifyQuerySet(baseVersion: UInt32, newVersion: UInt32, modifications: [QuerySetModification])
    case mutation(requestId: UInt32, udfPath: FunctionPath, args: [JSON])
    case action(requestId: UInt32, udfPath: FunctionPath, args: [JSON])
    case authenticate(baseVersion: UInt32, token: AuthenticationToken)
    case event(type: String)

    struct Connect: Equatable {
        var sessionId: String
        var connectionCount: UInt32
        var lastCloseReason: String
        var maxObservedTimestamp: UInt64?
        var clientTs: Int64?
    }

    enum QuerySetModification: Equatable {
        case add(queryId: UInt32, udfPath: FunctionPath, args: [JSON], journal: String?)
        case remove(queryId: UInt32)
    }

    enum AuthenticationToken: Equatable {
        case admin(String)
        case user(String)
        case none
    }

    /// The message's `type`, for the journal and the control API.
    var typeName: String {
        switch self {
        case .connect: "Connect"
        case .modifyQuerySet: "ModifyQuerySet"
        case .mutation: "Mutation"
        case .action: "Action"
        case .authenticate: "Authenticate"
        case .event: "Event"
        }
    }

    static let typeNames = ["Connect", "ModifyQuerySet", "Mutation", "Action", "Authenticate", "Event"]

    /// Why a text frame is not a client message, in the backend's words (serde's).
    struct Invalid: Error, Equatable {
        let reason: String
    }

    static func parse(_ bytes: [UInt8]) throws(Invalid) -> ClientMessage {
        let json: JSON
        do {
            json = try JSONReader.parse(bytes)
        } catch {
            throw Invalid(reason: "\(error)")
        }
        return try parse(json)
    }

    static func parse(_ json: JSON) throws(Invalid) -> ClientMessage {
        guard let fields = json.objectMembers else {
            throw Invalid(reason: "invalid type: \(SyncFields.serdeKind(json)), expected struct ClientMessageJson")
        }
        let message = SyncFields(fields)
        let type = try message.string("type")
        switch type {
        case "Connect":
            let sessionId = try message.string("sessionId")
            guard UUIDText.parse(sessionId) != nil else { throw Invalid(reason: "invalid length: expected length 32 for simple format, found \(sessionId.count)") }
            let observed = try message.optionalString("maxObservedTimestamp")
            var maxObserved: UInt64?
            if let observed {
                guard let value = Timestamp.decode(observed) else { throw Invalid(reason: "Invalid timestamp \(observed)") }
                maxObserved = value
            }
            return .connect(Connect(
                sessionId: sessionId, connectionCount: try message.u32("connectionCount"),
                lastCloseReason: try message.optionalString("lastCloseReason") ?? "unknown",
                maxObservedTimestamp: maxObserved, clientTs: try message.optionalI64("clientTs")))
        case "ModifyQuerySet":
            let base = try message.u32("baseVersion")
            let new = try message.u32("newVersion")
            guard case .array(let items)? = message.value("modifications") else {
                if message.value("modifications") == nil { throw Invalid(reason: "ModifyQuerySet lacks modifications") }
                throw Invalid(reason: "invalid type: \(SyncFields.serdeKind(message.value("modifications") ?? .null)), expected a sequence")
            }
            var modifications: [QuerySetModification] = []
            for item in items { modifications.append(try modification(item)) }
            return .modifyQuerySet(baseVersion: base, newVersion: new, modifications: modifications)
        case "Mutation", "Action":
            let requestId = try message.u32("requestId")
            let path = try message.functionPath("udfPath")
            _ = try message.optionalString("componentPath")
            guard let args = message.value("args") else { throw Invalid(reason: "\(type) lacks args") }
            let positional = try Self.positional(args)
            return type == "Mutation" ? .mutation(requestId: requestId, udfPath: path, args: positional)
                : .action(requestId: requestId, udfPath: path, args: positional)
        case "Authenticate":
            let base = try message.u32("baseVersion")
            let tokenType = try message.string("tokenType")
            switch tokenType {
            case "Admin": return .authenticate(baseVersion: base, token: .admin(try message.string("value")))
            case "User": return .authenticate(baseVersion: base, token: .user(try message.string("value")))
            case "None": return .authenticate(baseVersion: base, token: .none)
            default: throw Invalid(reason: "unknown variant `\(tokenType)`, expected one of `Admin`, `User`, `None`")
            }
        case "Event":
            let eventType = try message.string("eventType")
            guard message.value("event") != nil else { throw Invalid(reason: "missing field `event`") }
            return .event(type: eventType)
        default:
            throw Invalid(reason: "unknown variant `\(type)`, expected one of \(typeNames.map { "`\($0)`" }.joined(separator: ", "))")
        }
    }

    private static func modification(_ json: JSON) throws(Invalid) -> QuerySetModification {
        guard let fields = json.objectMembers else {
            throw Invalid(reason: "invalid type: \(SyncFields.serdeKind(json)), expected struct QuerySetModificationJson")
        }
        let item = SyncFields(fields)
        switch try item.string("type") {
        case "Add":
            let args = try item.value("args").map(positional) ?? []
            _ = try item.optionalString("componentPath")
            return .add(queryId: try item.u32("queryId"), udfPath: try item.functionPath("udfPath"), args: args,
                        journal: try item.optionalString("journal"))
        case "Remove":
            return .remove(queryId: try item.u32("queryId"))
        case let other:
            throw Invalid(reason: "unknown variant `\(other)`, expected `Add` or `Remove`")
        }
    }

    /// The positional arguments: the array as sent (clients always send one), else the one value.
    private static func positional(_ args: JSON) throws(Invalid) -> [JSON] {
        if case .array(let items) = args { return items }
        return [args]
    }
}

/// The members of a client message, read with serde's words for what is missing or mistyped.
struct SyncFields {
    private let members: [(key: String, value: JSON)]

    init(_ members: [(key: String, value: JSON)]) {
        self.members = members
    }

    func value(_ key: String) -> JSON? {
        members.last { $0.key == key }?.value
    }

    func string(_ key: String) throws(ClientMessage.Invalid) -> String {
        guard let value = value(key) else { throw .init(reason: "missing field `\(key)`") }
        guard case .string(let text) = value else { throw mistyped(value, "a string") }
        return text
    }

    func optionalString(_ key: String) throws(ClientMessage.Invalid) -> String? {
        guard let value = value(key), value != .null else { return nil }
        guard case .string(let text) = value else { throw mistyped(value, "a string") }
        return text
    }

    func u32(_ key: String) throws(ClientMessage.Invalid) -> UInt32 {
        guard let value = value(key) else { throw .init(reason: "missing field `\(key)`") }
        guard case .number(let number) = value, number.rounded(.towardZero) == number,
              let whole = UInt32(exactly: number) else { throw mistyped(value, "u32") }
        return whole
    }

    func optionalI64(_ key: String) throws(ClientMessage.Invalid) -> Int64? {
        guard let value = value(key), value != .null else { return nil }
        guard case .number(let number) = value, number.rounded(.towardZero) == number,
              number >= -0x1p63, number < 0x1p63 else { throw mistyped(value, "i64") }
        return Int64(number)
    }

    func functionPath(_ key: String) throws(ClientMessage.Invalid) -> FunctionPath {
        let text = try string(key)
        do {
            return try FunctionPath(parsing: text)
        } catch {
            throw .init(reason: error.reason)
        }
    }

    private func mistyped(_ value: JSON, _ expected: String) -> ClientMessage.Invalid {
        .init(reason: "invalid type: \(Self.serdeKind(value)), expected \(expected)")
    }

    /// serde's `Unexpected` wording for a JSON value.
    static func serdeKind(_ value: JSON) -> String {
        switch value {
        case .null: "null"
        case .bool(let flag): "boolean `\(flag)`"
        case .number(let number):
            number.rounded(.towardZero) == number && abs(number) < 0x1p63
                ? (number < 0 ? "integer `\(Int64(number))`" : "integer `\(UInt64(number))`")
                : "floating point `\(NumberText.ryu(number))`"
        case .integer(let number): "integer `\(number)`"
        case .string(let text): "string " + { var quoted = ""; RustText.appendDebugQuoted(text, to: &quoted); return quoted }()
        case .array: "sequence"
        case .object: "map"
        }
    }
}
