import Crypto
import EventHTTP

/// Blobs in memory (without `--data-dir`): each one a single buffer shared with libevent by
/// reference when it is downloaded.
final class MemoryBlobStore: BlobStore {
    private let blobs = Locked<[String: SharedBytes]>([:])

    init() {}

    func stage(_ body: RequestBody, uuid: String) throws(PersistenceError) -> StagedUpload {
        guard body.isReadable else { throw PersistenceError.bodyGone }
        var hasher = SHA256()
        let bytes = SharedBytes(count: body.count) { destination in
            var offset = 0
            // Readable (checked above) and read here on the loop that owns it, so nothing throws.
            try? body.forEachChunk { chunk in
                // The pieces add up to `count`; never write past it all the same.
                let piece = UnsafeRawBufferPointer(rebasing: chunk.prefix(destination.count - offset))
                hasher.update(bufferPointer: piece)
                UnsafeMutableRawBufferPointer(rebasing: destination[offset..<(offset + piece.count)]).copyMemory(from: piece)
                offset += piece.count
            }
        }
        blobs.withLock { $0[uuid] = bytes }
        return StagedUpload(uuid: uuid, sha256: Array(hasher.finalize()), size: bytes.count, staged: StagedMemoryBlob(store: self, uuid: uuid))
    }

    func content(uuid: String, range: Range<Int>) -> ResponseBody? {
        blobs.withLock { $0[uuid] }.map { .shared($0, range) }
    }

    func remove(uuid: String) {
        blobs.withLock { $0[uuid] = nil }
    }
}

/// In memory a blob is as durable as it gets once written.
private struct StagedMemoryBlob: StagedBlob {
    let store: MemoryBlobStore
    let uuid: String

    func makeDurable() throws(PersistenceError) -> String? { nil }

    func discard() { store.remove(uuid: uuid) }
}
