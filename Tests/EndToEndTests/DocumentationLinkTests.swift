import Foundation
import Testing

/// The README is the front door and docs/ holds one page per topic: every relative link in
/// them must name a file or folder of the repository, so that moving a page or renaming a
/// folder breaks the suite rather than the docs.
@Suite(.timeLimit(.minutes(1))) struct DocumentationLinkTests {
    static var root: URL { Fixtures.root.standardizedFileURL }

    static func docsPages() throws -> [URL] {
        let docs = root.appendingPathComponent("docs")
        return try FileManager.default.contentsOfDirectory(atPath: docs.path).filter { $0.hasSuffix(".md") }.sorted()
            .map { docs.appendingPathComponent($0) }
    }

    @Test func everyRelativeLinkInTheREADMEAndDocsNamesAFileThatExists() throws {
        let pages = [Self.root.appendingPathComponent("README.md")] + (try Self.docsPages())
        #expect(pages.count > 1)
        for page in pages {
            let broken = try MarkdownLinks.broken(in: page, root: Self.root)
            #expect(broken.isEmpty, "\(page.lastPathComponent): \(broken.joined(separator: "; "))")
        }
    }

    @Test func theREADMELinksToEveryPageInDocs() throws {
        let readme = Self.root.appendingPathComponent("README.md")
        let linked = Set(MarkdownLinks.links(in: try String(contentsOf: readme, encoding: .utf8))
            .filter { MarkdownLinks.isRelative($0.destination) }
            .map { MarkdownLinks.target(of: $0.destination, from: readme, root: Self.root).path })
        for page in try Self.docsPages() {
            #expect(linked.contains(page.standardizedFileURL.path), "README.md does not link to docs/\(page.lastPathComponent)")
        }
    }

    @Test func linksAreFoundOutsideCodeAndBrokenOnesAreReported() throws {
        let folder = URL(fileURLWithPath: try Fixtures.temporaryDirectory())
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("docs"), withIntermediateDirectories: true)
        try Data().write(to: folder.appendingPathComponent("docs/there.md"))
        let page = folder.appendingPathComponent("docs/page.md")
        try """
            [there](there.md#a-heading), `[in code](code.md)`, [web](https://example.com), [here](#top)
            ![picture](missing.png "a title") [root](/docs/there.md) [up](../../outside.md)
            ```sh
            [in a fence](fence.md)
            ```
            [label]: missing%20file.md
            """.write(to: page, atomically: true, encoding: .utf8)

        #expect(MarkdownLinks.links(in: try String(contentsOf: page, encoding: .utf8)) == [
            .init(line: 1, destination: "there.md#a-heading"),
            .init(line: 1, destination: "https://example.com"),
            .init(line: 1, destination: "#top"),
            .init(line: 2, destination: "missing.png"),
            .init(line: 2, destination: "/docs/there.md"),
            .init(line: 2, destination: "../../outside.md"),
            .init(line: 6, destination: "missing%20file.md"),
        ])
        #expect(try MarkdownLinks.broken(in: page, root: folder) == [
            "line 2: missing.png: no such file",
            "line 2: ../../outside.md: outside the repository",
            "line 6: missing%20file.md: no such file",
        ])
    }
}
