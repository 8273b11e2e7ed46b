/// `ctx.storage` calls made by config functions, with the backend's results and messages. The
/// function takes its `storageId` as a string (no `v.id` validator), so UUIDs work too.
enum StorageCalls {
    static func perform(
        _ call: FunctionSpec.StorageCall, args: ConvexObject, module: String, store: DocumentStore,
        environment: FunctionRunner.Environment, writes: inout [StoreWrite]
    ) -> Result<ConvexValue, JSFailure> {
        func uncaught(_ message: String) -> JSFailure {
            JSFailure.uncaught("Error", message, frames: [FunctionRunner.frame(module)])
        }
        if call == .generateUploadUrl {
            return .success(.string(uploadURL(origin: environment.origin, token: environment.issueUploadToken())))
        }
        return ArgumentRules.storageId(in: args).flatMap { text in
            switch StorageIdArgument.resolve(text, in: store) {
            case .invalid(let reason):
                return .failure(uncaught("Invalid argument `storageId` for `storage.\(call.rawValue)`: \(reason)"))
            case .otherTable:
                return .failure(uncaught(StorageIdArgument.otherTableMessage))
            case .missing:
                if call == .delete {
                    return .failure(uncaught("storage id \(UUIDText.normalize(text) ?? text) not found"))
                }
                return .success(.null)
            case .file(let file):
                switch call {
                case .getUrl: return .success(.string(downloadURL(origin: environment.origin, file: file)))
                case .getMetadata: return .success(.object(file.metadata))
                case .delete:
                    writes.append(.deleteFile(file))
                    return .success(.null)
                case .generateUploadUrl: preconditionFailure("answered above")
                }
            }
        }
    }

    /// `{origin}/api/storage/upload?token=...`; the token is hex and needs no escaping.
    static func uploadURL(origin: String, token: String) -> String {
        "\(origin)/api/storage/upload?token=\(token)"
    }

    /// `{origin}/api/storage/{uuid}`: the UUID, not the document id.
    static func downloadURL(origin: String, file: StoredFile) -> String {
        "\(origin)/api/storage/\(file.uuid)"
    }
}
