#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole small files (configs), with the system's reason when they cannot be read.
enum FileContents {
    static func read(_ path: String, what: String) throws(UsageError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw UsageError(description: "cannot read \(what) \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw UsageError(description: "cannot read \(what) \(path): \(String(cString: strerror(errno)))")
            }
            if count == 0 { return contents }
            contents += chunk[0..<count]
        }
    }
}
