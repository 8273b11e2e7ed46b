import Foundation
import TestSupport

enum Fixtures {
    static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static var exampleConfig: String { root.appendingPathComponent("config/mockconvex.json").path }

    /// A copy of the binary in a directory anyone may enter, for running it as another user
    /// (a fresh clone may sit in a directory only its owner can traverse).
    static func worldExecutableCopyOfBinary() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mockconvex-bin-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let copy = directory.appendingPathComponent("mockconvex")
        try FileManager.default.copyItem(atPath: MockConvexProcess.binary, toPath: copy.path)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: copy.path)
        return copy.path
    }

    /// A new empty directory under the temporary directory.
    static func temporaryDirectory() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mockconvex-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory.path
    }

    /// Writes `text` to a temporary file and returns its path.
    static func temporaryFile(_ text: String, suffix: String = ".json") throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("mockconvex-\(getpid())-\(UUID().uuidString)\(suffix)")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }
}
