/// One function of the emulated app, as the config declares it.
struct FunctionSpec: Sendable, Equatable {
    enum Kind: String, Sendable, CaseIterable, CustomStringConvertible {
        case query, mutation, action

        /// As the backend names function types in messages (`Query`, `Mutation`, `Action`).
        var description: String { rawValue.prefix(1).uppercased() + rawValue.dropFirst() }
    }

    /// System tables functions may read with `get` and `list`.
    static let readableSystemTables = [DocumentStore.storageTable, DocumentStore.scheduledFunctionsTable]

    enum Visibility: String, Sendable, CaseIterable {
        case `public`, `internal`
    }

    enum Order: String, Sendable, CaseIterable {
        case asc, desc
    }

    /// What the function does when called.
    enum Behaviour: Sendable, Equatable {
        /// Stores the args object as a new document; returns its id.
        case insert(table: String)
        /// `{id}` → the document or null.
        case get(table: String)
        /// The documents whose fields equal every arg, in creation order.
        case list(table: String, order: Order)
        /// `{id, ...fields}` merges the fields into the document.
        case patch(table: String)
        /// `{id, ...fields}` replaces every field of the document.
        case replace(table: String)
        /// `{id}` deletes the document.
        case delete(table: String)
        /// Always this value.
        case returns(ConvexValue)
        /// The args object back.
        case echo
        /// `cases` or `sequence`: a stubbed answer chosen per call, else the fallback.
        indirect case stubs(FunctionStubs)
        /// Throws `Error(message)`, or a `ConvexError` carrying `data` when there is data.
        case throwsError(message: String?, data: ConvexValue?)
        /// One of `ctx.storage`'s calls.
        case storage(StorageCall)
        /// `ctx.scheduler.runAfter(delayMs, path, args)` with the caller's args; returns the
        /// job's id.
        case schedule(path: FunctionPath, delayMs: Int)
        /// `ctx.auth.getUserIdentity()`: the caller's identity object, or null.
        case identity

        /// The table it reads or writes, if any.
        var table: String? {
            switch self {
            case .stubs(let stubs): stubs.fallback?.table
            case .insert(let table), .get(let table), .list(let table, _), .patch(let table), .replace(let table), .delete(let table): table
            case .returns, .echo, .throwsError, .storage, .schedule, .identity: nil
            }
        }

        var writes: Bool {
            switch self {
            case .insert, .patch, .replace, .delete, .storage(.delete), .schedule: true
            case .stubs(let stubs): stubs.fallback?.writes ?? false
            default: false
            }
        }
    }

    /// `ctx.storage` calls a function can make.
    enum StorageCall: String, Sendable, CaseIterable {
        /// No args; returns `{origin}/api/storage/upload?token=...`.
        case generateUploadUrl
        /// `{storageId}`; returns `{origin}/api/storage/{uuid}` or null.
        case getUrl
        /// `{storageId}`; deletes the file.
        case delete
        /// `{storageId}`; returns `{storageId: uuid, sha256: hex, size, contentType}` or null.
        case getMetadata

        /// Which function types may make the call, as the backend exposes them.
        var allowedKinds: [Kind] {
            switch self {
            case .generateUploadUrl, .delete: [.mutation, .action]
            case .getUrl, .getMetadata: [.query, .mutation, .action]
            }
        }
    }

    struct LogEntry: Sendable, Equatable {
        var level: LogLevel
        var message: String
    }

    var kind: Kind
    var visibility: Visibility = .public
    var behaviour: Behaviour
    var logs: [LogEntry] = []
    /// How long the function takes, spent on a timer so the event loop keeps serving.
    var delayMs: Int = 0
    /// `ownerField`: the field holding the `tokenIdentifier` of the user who inserted a
    /// document; reads and writes then see only the caller's own documents.
    var ownerField: String?
    /// `"auth": "required"`: without a signed-in user the function throws `Unauthenticated`,
    /// as an app's own check would.
    var requiresAuth = false

    init(kind: Kind, visibility: Visibility = .public, behaviour: Behaviour, logs: [LogEntry] = [], delayMs: Int = 0,
         ownerField: String? = nil, requiresAuth: Bool = false) {
        self.kind = kind
        self.visibility = visibility
        self.behaviour = behaviour
        self.logs = logs
        self.delayMs = delayMs
        self.ownerField = ownerField
        self.requiresAuth = requiresAuth
    }
}
