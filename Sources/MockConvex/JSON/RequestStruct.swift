/// The shape of one of the backend's `#[derive(Deserialize)]` request structs: its name (which
/// serde puts in messages) and its fields in declaration order (which decides the array form
/// and which missing field is reported first).
struct RequestStruct<Target: Sendable>: Sendable {
    let name: String
    let empty: Target
    let fields: [RequestField<Target>]
}

/// A field of a request struct, by the Rust type it has, and where its value goes.
enum RequestField<Target: Sendable>: Sendable {
    /// `String`.
    case string(String, WritableKeyPath<Target, String> & Sendable)
    /// `Option<String>`: `null` or absent is nil.
    case optionalString(String, WritableKeyPath<Target, String?> & Sendable)
    /// `UdfArgsJson(Box<RawValue>)`: any JSON, kept as its text.
    case rawJSON(String, WritableKeyPath<Target, [UInt8]> & Sendable)
    /// `Option<T>` of a nested value kept as its JSON text (`mutationIdentifier`), checked by
    /// the caller: `null` or absent is nil.
    case optionalRawJSON(String, WritableKeyPath<Target, [UInt8]?> & Sendable)
    /// `f64`: any JSON number.
    case double(String, WritableKeyPath<Target, Double> & Sendable)
    /// `Vec<UdfPostRequest>`.
    case udfPostRequests(String, WritableKeyPath<Target, [UdfCallBody]> & Sendable)

    var name: String {
        switch self {
        case .string(let name, _), .optionalString(let name, _), .rawJSON(let name, _), .optionalRawJSON(let name, _),
             .double(let name, _), .udfPostRequests(let name, _):
            name
        }
    }

    /// serde fills a missing `Option` with None instead of failing.
    var isOptional: Bool {
        switch self {
        case .optionalString, .optionalRawJSON: true
        default: false
        }
    }
}

/// The structs in `local_backend/src/public_api.rs` and `args_structs.rs`. All but
/// `QueryBatchArgs` and `UdfPostRequestArgsOnly` are `rename_all = "camelCase"`, which only
/// changes `component_path`.
extension RequestStruct<UdfCallBody> {
    static let udfPostRequest = RequestStruct(name: "UdfPostRequest", empty: UdfCallBody(path: "", args: []), fields: [
        .string("path", \.path),
        .rawJSON("args", \.args),
        .optionalString("format", \.format),
    ])

    static let udfPostRequestWithComponent = RequestStruct(
        name: "UdfPostRequestWithComponent", empty: UdfCallBody(path: "", args: []),
        fields: [
            .optionalString("componentPath", \.componentPath),
            .string("path", \.path),
            .rawJSON("args", \.args),
            .optionalString("format", \.format),
        ])

    static let udfPostRequestArgsOnly = RequestStruct(
        name: "UdfPostRequestArgsOnly", empty: UdfCallBody(path: "", args: []),
        fields: [
            .rawJSON("args", \.args),
            .optionalString("format", \.format),
        ])
}

/// `QueryBatchArgs { queries: Vec<UdfPostRequest> }`.
struct QueryBatch: Sendable {
    var queries: [UdfCallBody] = []

    static let shape = RequestStruct(name: "QueryBatchArgs", empty: QueryBatch(), fields: [
        .udfPostRequests("queries", \.queries),
    ])
}

/// The bodies of the action-callback routes (`local_backend/src/node_action_callbacks.rs`), all
/// `rename_all = "camelCase"`.
struct ActionCallbackBody: Equatable, Sendable {
    var path: String?
    var reference: String?
    var functionHandle: String?
    /// `args` (function calls) or `udfArgs` (scheduling), as raw JSON text.
    var args: [UInt8] = []
    var format: String?
    /// `{"sessionId": uuid, "requestId": n}`, as raw JSON text; mutation callbacks only.
    var mutationIdentifier: [UInt8]?
    /// Unix seconds; scheduling only.
    var scheduledTs: Double = 0
    /// `id` (cancelling) or `storageId` (storage calls).
    var id: String = ""

    init() {}

    static let udfPost = RequestStruct(name: "NodeCallbackUdfPostRequest", empty: ActionCallbackBody(), fields: [
        .optionalString("path", \.path),
        .optionalString("reference", \.reference),
        .optionalString("functionHandle", \.functionHandle),
        .rawJSON("args", \.args),
        .optionalString("format", \.format),
        .optionalRawJSON("mutationIdentifier", \.mutationIdentifier),
    ])

    static let scheduleJob = RequestStruct(name: "ScheduleJobRequest", empty: ActionCallbackBody(), fields: [
        .optionalString("reference", \.reference),
        .optionalString("functionHandle", \.functionHandle),
        .optionalString("udfPath", \.path),
        .rawJSON("udfArgs", \.args),
        .double("scheduledTs", \.scheduledTs),
    ])

    static let cancelJob = RequestStruct(name: "CancelDeveloperJobRequest", empty: ActionCallbackBody(), fields: [
        .string("id", \.id),
    ])

    static let storageId = RequestStruct(name: "GetParams", empty: ActionCallbackBody(), fields: [
        .string("storageId", \.id),
    ])
}
