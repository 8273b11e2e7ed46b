import Foundation
import Testing
import TestSupport

/// The runtime image in miniature, for chroot: a root holding only a binary, copies of the
/// libraries `ldd` names for it (so nothing outside the root is reachable), and /proc, as
/// every container has. `remove()` unmounts /proc and deletes it.
final class BareRoot {
    let path: String
    /// The libraries `ldd` named, at their paths inside the root as outside.
    let libraries: [String]
    private var removed = false

    init(binary: String) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("mockconvex-root-\(UUID().uuidString)").path
        let ldd = try Command.run(["ldd", binary])
        libraries = ldd.stdout.matches(of: /(\/[^ ]+) \(0x/).map { String($0.1) }
        for file in libraries + [binary] {
            let target = path + file
            try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            // `cp -L`: copies of what the links point at.
            let copied = try Command.run(["cp", "-L", file, target])
            guard copied.status == 0 else { throw RootError(description: "cp -L \(file) \(target): \(copied.stderr)") }
        }
        try FileManager.default.createDirectory(atPath: path + "/proc", withIntermediateDirectories: true)
        let mounted = try Command.run(["mount", "-t", "proc", "proc", path + "/proc"])
        guard mounted.status == 0 else {
            remove()
            throw RootError(description: "mount proc: \(mounted.stderr)")
        }
    }

    deinit { remove() }

    struct RootError: Error, CustomStringConvertible {
        let description: String
    }

    /// Writes `contents` at `file` inside the root.
    func write(_ contents: String, at file: String) throws {
        try FileManager.default.createDirectory(atPath: path + (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try contents.write(toFile: path + file, atomically: true, encoding: .utf8)
    }

    /// A symbolic link at `file` inside the root to `target` (a path as seen inside).
    func link(_ file: String, to target: String) throws {
        try FileManager.default.createDirectory(atPath: path + (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: path + file, withDestinationPath: target)
    }

    func remove() {
        guard !removed else { return }
        removed = true
        _ = try? Command.run(["umount", "-l", path + "/proc"])
        try? FileManager.default.removeItem(atPath: path)
    }
}
