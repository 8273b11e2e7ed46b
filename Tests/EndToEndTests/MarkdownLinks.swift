import Foundation

/// The link destinations of a Markdown page and which of them are broken, for the check that
/// the README and docs/ point at files that exist. Hand-written: the check needs only inline
/// links and reference definitions outside code, and no CommonMark parser is among the packages
/// this project may use (swift-markdown is not; Ink renders HTML and does not expose link
/// destinations).
enum MarkdownLinks {
    struct Link: Equatable, CustomStringConvertible {
        let line: Int
        let destination: String
        var description: String { "line \(line): \(destination)" }
    }

    /// Every `[text](destination)`, `![alt](destination)` and `[label]: destination`, skipping
    /// fenced code blocks and code spans.
    static func links(in text: String) -> [Link] {
        var links: [Link] = []
        var fence: Character?
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let indented = line.drop { $0 == " " }
            if let marker = indented.first, marker == "`" || marker == "~", indented.hasPrefix(String(repeating: marker, count: 3)) {
                if fence == nil {
                    fence = marker
                    continue
                }
                if fence == marker {
                    fence = nil
                    continue
                }
            }
            if fence != nil { continue }
            let prose = line.replacing(/(`+).*?\1/, with: "")
            for match in prose.matches(of: /\]\(([^)\s]+)(?:\s+"[^"]*")?\)/) {
                links.append(Link(line: index + 1, destination: String(match.1)))
            }
            if let match = prose.wholeMatch(of: /\ {0,3}\[[^\]]+\]:\s*(\S+).*/) {
                links.append(Link(line: index + 1, destination: String(match.1)))
            }
        }
        return links
    }

    /// A destination within the repository: no scheme (`https:`, `mailto:`) and not only a
    /// fragment of the same page.
    static func isRelative(_ destination: String) -> Bool {
        !destination.hasPrefix("#") && destination.firstMatch(of: /^[A-Za-z][A-Za-z0-9+.\-]*:/) == nil
    }

    /// The file or folder a relative destination names, as GitHub resolves it: against the
    /// page's folder, or against the repository root when it starts with `/`.
    static func target(of destination: String, from page: URL, root: URL) -> URL {
        var path = destination
        if let cut = path.firstIndex(where: { $0 == "#" || $0 == "?" }) { path = String(path[..<cut]) }
        path = path.removingPercentEncoding ?? path
        if path.hasPrefix("/") {
            return root.appendingPathComponent(String(path.drop { $0 == "/" })).standardizedFileURL
        }
        return page.deletingLastPathComponent().appendingPathComponent(path).standardizedFileURL
    }

    /// The relative links of `page` that name nothing inside `root`, each with why.
    static func broken(in page: URL, root: URL) throws -> [String] {
        let text = try String(contentsOf: page, encoding: .utf8)
        let rootPath = root.standardizedFileURL.path
        return links(in: text).filter { isRelative($0.destination) }.compactMap { link in
            let target = target(of: link.destination, from: page, root: root)
            guard target.path == rootPath || target.path.hasPrefix(rootPath + "/") else {
                return "\(link): outside the repository"
            }
            guard FileManager.default.fileExists(atPath: target.path) else {
                return "\(link): no such file"
            }
            return nil
        }
    }
}
