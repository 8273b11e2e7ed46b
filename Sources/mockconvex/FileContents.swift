#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole files read at start (the config, its seed files), with the system's reason when they
/// cannot be read. Only regular files, and only up to a limit: a FIFO would block the start for
/// ever, `/dev/zero` would fill memory, and a directory reads as an error nobody can act on.
enum FileContents {
    /// How much may be read, and what the user can do about a file that is larger.
    struct Limit {
        let bytes: Int
        let advice: String

        static let config = Limit(bytes: 64 << 20, advice: "a config file may be at most 64 MiB, and no flag raises that")

        /// A seed file becomes a stored file, so it has the limit of an upload.
        static func seedFile(maxUploadBytes: Int) -> Limit {
            Limit(bytes: maxUploadBytes, advice: "raise --max-upload-bytes to seed a larger file")
        }
    }

    static func read(_ path: String, what: String, limit: Limit) throws(UsageError) -> [UInt8] {
        func failure(_ reason: String) -> UsageError { UsageError(description: "cannot read \(what) \(path): \(reason)") }
        // Non-blocking, so that opening a FIFO with no writer returns at once instead of
        // waiting for one; the type is checked before anything is read.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard fd >= 0 else { throw failure(String(cString: strerror(errno))) }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw failure(String(cString: strerror(errno))) }
        if let kind = notRegular(status.st_mode) {
            throw failure("it is \(kind), not a regular file; give the path of a file")
        }
        func tooLarge(_ size: String) -> UsageError {
            failure("it is \(size), over the \(limit.bytes) bytes allowed; \(limit.advice)")
        }
        guard status.st_size <= limit.bytes else { throw tooLarge("\(status.st_size) bytes") }

        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { readBytes(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure(String(cString: strerror(errno)))
            }
            if count == 0 { return contents }
            // The file may have grown since it was measured.
            guard contents.count + count <= limit.bytes else { throw tooLarge("more than \(limit.bytes) bytes") }
            contents += chunk[0..<count]
        }
    }

    /// What the file is when it is not a regular file, as a user would say it.
    private static func notRegular(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: nil
        case S_IFDIR: "a directory"
        case S_IFIFO: "a FIFO (named pipe)"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFSOCK: "a socket"
        default: "of an unknown kind"
        }
    }
}

/// The C library's `read`, named apart from `FileContents.read`, which hides it inside the type.
private func readBytes(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(fd, buffer, count)
}
