import Crypto
import EventHTTP

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Blobs as files under `--data-dir`: written to `tmp/` on the request's loop (into the page
/// cache, which is quick), then fsynced and renamed into place by the database's writer just
/// before the row that names them commits, so a blob is either whole under its name or not
/// there at all, and no loop waits for the disk. Sent with sendfile. File names are only ever
/// normalised UUIDs, so no request can name another path.
final class DirectoryBlobStore: BlobStore {
    let directory: String
    private var temporary: String { directory + "/tmp" }

    init(directory: String) throws(PersistenceError) {
        self.directory = directory
        try DataDirectory.makeDirectory(directory + "/tmp")
    }

    func stage(_ body: RequestBody, uuid: String) throws(PersistenceError) -> StagedUpload {
        guard let final = path(of: uuid) else { throw PersistenceError("\(uuid) is not a blob name") }
        let partial = "\(temporary)/\(uuid).part"
        let fd = open(partial, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .system("create \(partial)") }
        var hasher = SHA256()
        var size = 0
        do {
            try body.forEachChunk { chunk in
                hasher.update(bufferPointer: chunk)
                try Self.writeAll(fd, chunk, path: partial)
                size += chunk.count
            }
        } catch {
            close(fd)
            unlink(partial)
            throw error as? PersistenceError ?? .bodyGone
        }
        let staged = StagedFile(fd: fd, partial: partial, final: final, directory: directory)
        return StagedUpload(uuid: uuid, sha256: Array(hasher.finalize()), size: size, staged: staged)
    }

    func content(uuid: String, range: Range<Int>) -> ResponseBody? {
        guard let path = path(of: uuid) else { return nil }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        return .file(FileRegion(fd: fd, offset: range.lowerBound, length: range.count))
    }

    func remove(uuid: String) {
        if let path = path(of: uuid) { unlink(path) }
    }

    /// Deletes unfinished uploads, and blobs no row names.
    func removeLeftovers(keeping uuids: Set<String>) {
        for name in Self.entries(temporary) { unlink("\(temporary)/\(name)") }
        for name in Self.entries(directory) where name != "tmp" && !uuids.contains(name) {
            unlink("\(directory)/\(name)")
        }
    }

    /// Nil for anything that is not a normalised UUID: no other name is ever opened.
    private func path(of uuid: String) -> String? {
        UUIDText.normalize(uuid) == uuid ? "\(directory)/\(uuid)" : nil
    }

    private static func writeAll(_ fd: Int32, _ chunk: UnsafeRawBufferPointer, path: String) throws(PersistenceError) {
        guard let base = chunk.baseAddress else { return }
        var offset = 0
        while offset < chunk.count {
            let written = write(fd, base + offset, chunk.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw .system("write \(path)")
            }
            offset += written
        }
    }

    private static func entries(_ directory: String) -> [String] {
        guard let handle = opendir(directory) else { return [] }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}

/// An upload's bytes in `tmp/`, still open, waiting for its commit.
private final class StagedFile: StagedBlob {
    private let descriptor: Locked<Int32?>
    private let partial: String
    private let final: String
    private let directory: String

    init(fd: Int32, partial: String, final: String, directory: String) {
        descriptor = Locked(fd)
        self.partial = partial
        self.final = final
        self.directory = directory
    }

    deinit {
        if let fd = descriptor.withLock({ $0 }) { close(fd) }
    }

    func makeDurable() throws(PersistenceError) -> String? {
        guard let fd = descriptor.withLock({ fd in defer { fd = nil }; return fd }) else { return directory }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw .system("fsync \(partial)") }
        guard rename(partial, final) == 0 else { throw .system("rename \(partial)") }
        return directory
    }

    func discard() {
        if let fd = descriptor.withLock({ fd in defer { fd = nil }; return fd }) { close(fd) }
        unlink(partial)
        unlink(final)
    }
}
