import EventHTTP

/// Where file contents live. Staging hashes the body as it goes, straight from the request's
/// buffer, so a blob is never held twice beyond what libevent buffered.
protocol BlobStore: Sendable {
    /// Writes the body under `uuid` and returns its digest and size, and the staged bytes:
    /// durable (and downloadable) once the commit that names them is; discarded otherwise.
    func stage(_ body: RequestBody, uuid: String) throws(PersistenceError) -> StagedUpload
    /// The bytes of `range` of the blob, ready to send without copying them.
    func content(uuid: String, range: Range<Int>) -> ResponseBody?
    func remove(uuid: String)
}

/// A blob written ahead of its row.
struct StagedUpload: Sendable {
    let uuid: String
    let sha256: [UInt8]
    let size: Int
    let staged: any StagedBlob
}
