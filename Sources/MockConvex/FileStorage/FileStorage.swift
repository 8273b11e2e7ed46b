import EventHTTP

/// Files: their bytes in a blob store, their `_storage` rows in the database. An upload's bytes
/// are staged first (hashed as they are written), then its row commits together with making
/// them durable; a deleted file's bytes go once its row is gone for good.
final class FileStorage: Sendable {
    let blobs: any BlobStore
    private let database: Database
    private let uploadTokens: UploadTokens
    /// Unix seconds; tests move it to expire tokens.
    private let clock: @Sendable () -> Int64
    private let origin: String

    init(blobs: any BlobStore, database: Database, settings: DeploymentSettings, clock: @escaping @Sendable () -> Int64) {
        self.blobs = blobs
        self.database = database
        uploadTokens = UploadTokens(instanceSecret: settings.instanceSecret, instanceName: settings.instanceName)
        self.clock = clock
        origin = settings.convexOrigin
    }

    // MARK: Tokens and URLs

    /// Nil when an upload token is good now; otherwise the backend's 401.
    func checkUploadToken(_ token: String) -> ConvexAPIError? {
        uploadTokens.check(token, now: clock())
    }

    /// A token valid from now, for `generateUploadUrl`.
    func issueUploadToken() -> String {
        uploadTokens.issue(issuedAt: clock())
    }

    /// A new upload URL, as `generateUploadUrl` makes them.
    func uploadURL() -> String {
        StorageCalls.uploadURL(origin: origin, token: issueUploadToken())
    }

    // MARK: Reading

    /// The file a download URL names, by its normalised UUID, as readers see it.
    func file(uuid: String) -> StoredFile? {
        database.read { $0.file(uuid: uuid) }
    }

    /// The file a `storageId` names (an id or a UUID), as readers see it.
    func resolve(_ storageId: String) -> StorageIdArgument.Resolution {
        database.read { StorageIdArgument.resolve(storageId, in: $0) }
    }

    // MARK: Writing

    /// Stores an upload: the bytes staged, then the `_storage` row; answers once both are
    /// durable. A digest that does not match leaves nothing behind.
    func upload(_ body: RequestBody, contentType: String?, expectedSHA256: [UInt8]?, _ reply: Reply<Result<StoredFile, ConvexAPIError>>) {
        let staged: StagedUpload
        do {
            staged = try blobs.stage(body, uuid: UUIDText.random())
        } catch {
            return reply.now(.failure(StorageFailure.response(for: error)))
        }
        if let expectedSHA256, expectedSHA256 != staged.sha256 {
            staged.staged.discard()
            return reply.now(.failure(.badRequest("Sha256Mismatch", "Sha256 mismatch. Expected: \(Base64.encode(expectedSHA256)) Actual: \(Base64.encode(staged.sha256))")))
        }
        let uuid = staged.uuid
        database.transact(reply.map { result in
            result.map(\.value).mapError { error in
                staged.staged.discard()
                return StorageFailure.response(for: error)
            }
        }) { _, _, allocator in
            let (id, creationTime) = allocator.next(tableNumber: TableNumbers.storage)
            let file = StoredFile(id: id, uuid: uuid, creationTime: creationTime, sha256: staged.sha256, size: staged.size, contentType: contentType)
            var change = Change(file, writes: [.insertFile(file)])
            change.blobs = [staged.staged]
            return change
        }
    }

    /// Deletes a file (a storage callback); its bytes go once the row is gone.
    func delete(_ file: StoredFile, _ reply: Reply<Result<Void, ConvexAPIError>>) {
        database.transact(reply.map { result in result.map { _ in () }.mapError(StorageFailure.response) }) { store, _, _ in
            guard store.file(file.id) != nil else { return Change(()) }
            var change = Change((), writes: [.deleteFile(file)])
            change.afterCommit = removals(of: change.writes)
            return change
        }
    }

    /// What to run once `writes` are durable: the bytes of every file they delete go.
    func removals(of writes: [StoreWrite]) -> [@Sendable () -> Void] {
        let blobs = self.blobs
        return writes.compactMap { write in
            guard case .deleteFile(let file) = write else { return nil }
            return { blobs.remove(uuid: file.uuid) }
        }
    }

    /// A seed file's bytes staged under a new UUID, for a seeding transaction to commit.
    func stageSeed(_ bytes: [UInt8]) throws(PersistenceError) -> StagedUpload {
        try blobs.stage(RequestBody(bytes), uuid: UUIDText.random())
    }
}

/// How a failure to make a write durable reaches the client.
enum StorageFailure {
    static func response(for error: PersistenceError) -> ConvexAPIError {
        if error.diskFull {
            return ConvexAPIError(status: 507, code: "InsufficientStorage",
                                  message: "The disk holding the data directory is full, so nothing was stored: \(error.description). Free some space and retry.")
        }
        return ConvexAPIError(status: 500, code: "StorageFailure", message: "The data directory could not store this: \(error.description)")
    }
}
