import Crypto
import EventHTTP

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where file contents live. Writing hashes the body as it goes, straight from the request's
/// buffer, so a blob is never held twice beyond what libevent buffered.
public protocol BlobStore: Sendable {
    /// Stores the body under `uuid` (durably, where that applies) and returns its digest and size.
    func write(_ body: RequestBody, uuid: String) throws(PersistenceError) -> (sha256: [UInt8], size: Int)
    /// The bytes of `range` of the blob, ready to send without copying them.
    func content(uuid: String, range: Range<Int>) -> ResponseBody?
    func remove(uuid: String)
}

/// Blobs in memory (without `--data-dir`): each one a single buffer shared with libevent by
/// reference when it is downloaded.
public final class MemoryBlobStore: BlobStore {
    private let blobs = Locked<[String: SharedBytes]>([:])

    public init() {}

    public func write(_ body: RequestBody, uuid: String) throws(PersistenceError) -> (sha256: [UInt8], size: Int) {
        guard body.isReadable else { throw PersistenceError.bodyGone }
        var hasher = SHA256()
        let bytes = SharedBytes(count: body.count) { destination in
            var offset = 0
            // Readable (checked above) and read here on the loop that owns it, so nothing throws.
            try? body.forEachChunk { chunk in
                hasher.update(bufferPointer: chunk)
                UnsafeMutableRawBufferPointer(rebasing: destination[offset..<(offset + chunk.count)]).copyMemory(from: chunk)
                offset += chunk.count
            }
        }
        blobs.withLock { $0[uuid] = bytes }
        return (Array(hasher.finalize()), bytes.count)
    }

    /// Stores bytes already in memory (config seed files).
    public func write(bytes: [UInt8], uuid: String) -> (sha256: [UInt8], size: Int) {
        blobs.withLock { $0[uuid] = SharedBytes(bytes) }
        return (Array(SHA256.hash(data: bytes)), bytes.count)
    }

    public func content(uuid: String, range: Range<Int>) -> ResponseBody? {
        blobs.withLock { $0[uuid] }.map { .shared($0, range) }
    }

    public func remove(uuid: String) {
        blobs.withLock { $0[uuid] = nil }
    }
}

/// Blobs as files under `--data-dir`: written to `tmp/`, fsynced, renamed into place and the
/// directory fsynced, so a blob is either whole under its name or not there at all. Sent with
/// sendfile. File names are only ever normalised UUIDs, so no request can name another path.
public final class DirectoryBlobStore: BlobStore {
    public let directory: String
    private var temporary: String { directory + "/tmp" }

    init(directory: String) throws(PersistenceError) {
        self.directory = directory
        try DataDirectory.makeDirectory(directory + "/tmp")
    }

    public func write(_ body: RequestBody, uuid: String) throws(PersistenceError) -> (sha256: [UInt8], size: Int) {
        let partial = "\(temporary)/\(uuid).part"
        let fd = open(partial, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("create \(partial)") }
        var hasher = SHA256()
        var size = 0
        do {
            try body.forEachChunk { chunk in
                hasher.update(bufferPointer: chunk)
                try Self.writeAll(fd, chunk, path: partial)
                size += chunk.count
            }
            guard fsync(fd) == 0 else { throw failure("fsync \(partial)") }
        } catch {
            close(fd)
            unlink(partial)
            throw error as? PersistenceError ?? .bodyGone
        }
        close(fd)
        let final = path(of: uuid)
        guard rename(partial, final) == 0 else {
            let error = failure("rename \(partial)")
            unlink(partial)
            throw error
        }
        try syncDirectory()
        return (Array(hasher.finalize()), size)
    }

    /// Stores bytes already in memory (config seed files).
    public func write(bytes: [UInt8], uuid: String) throws(PersistenceError) -> (sha256: [UInt8], size: Int) {
        try write(RequestBody(bytes), uuid: uuid)
    }

    public func content(uuid: String, range: Range<Int>) -> ResponseBody? {
        let fd = open(path(of: uuid), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        return .file(FileRegion(fd: fd, offset: range.lowerBound, length: range.count))
    }

    public func remove(uuid: String) {
        unlink(path(of: uuid))
    }

    /// Deletes unfinished uploads, and blobs no row names.
    func removeLeftovers(keeping uuids: Set<String>) {
        for name in Self.entries(temporary) { unlink("\(temporary)/\(name)") }
        for name in Self.entries(directory) where name != "tmp" && !uuids.contains(name) {
            unlink("\(directory)/\(name)")
        }
    }

    private func path(of uuid: String) -> String {
        precondition(UUIDText.normalize(uuid) == uuid, "blob names are normalised UUIDs")
        return "\(directory)/\(uuid)"
    }

    private func syncDirectory() throws(PersistenceError) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("open \(directory)") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw failure("fsync \(directory)") }
    }

    private static func writeAll(_ fd: Int32, _ chunk: UnsafeRawBufferPointer, path: String) throws(PersistenceError) {
        var offset = 0
        while offset < chunk.count {
            let written = Glibc.write(fd, chunk.baseAddress! + offset, chunk.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw PersistenceError("write \(path): \(String(cString: strerror(errno)))", diskFull: errno == ENOSPC || errno == EDQUOT)
            }
            offset += written
        }
    }

    private func failure(_ action: String) -> PersistenceError {
        PersistenceError("\(action): \(String(cString: strerror(errno)))", diskFull: errno == ENOSPC || errno == EDQUOT)
    }

    private static func entries(_ directory: String) -> [String] {
        guard let handle = opendir(directory) else { return [] }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
