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
    /// `Vec<UdfPostRequest>`.
    case udfPostRequests(String, WritableKeyPath<Target, [UdfCallBody]> & Sendable)

    var name: String {
        switch self {
        case .string(let name, _), .optionalString(let name, _), .rawJSON(let name, _), .udfPostRequests(let name, _):
            name
        }
    }

    /// serde fills a missing `Option` with None instead of failing.
    var isOptional: Bool {
        if case .optionalString = self { return true }
        return false
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
