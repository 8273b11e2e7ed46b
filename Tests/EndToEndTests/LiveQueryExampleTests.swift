import Foundation
import Testing
import TestSupport

/// docs/live-queries.md shows two scripts' output (examples/live-queries, run with the real
/// Python and JS clients): each script runs here against a fresh binary on the example config,
/// and what it prints must be what the page (and, for Python, the README's tour) shows.
@Suite(.timeLimit(.minutes(2))) struct LiveQueryExampleTests {
    static var page: URL { DocumentationLinkTests.root.appendingPathComponent("docs/live-queries.md") }

    /// The block after `<!-- output: NAME -->`: its `$ ` line and the lines printed.
    static func documentedOutput(of name: String, in text: String) throws -> (command: String, printed: [String]) {
        let marker = try #require(text.firstRange(of: "<!-- output: \(name) -->\n```\n"), "no output block for \(name)")
        let rest = text[marker.upperBound...]
        let end = try #require(rest.firstRange(of: "```"), "the output block for \(name) is not closed")
        let lines = rest[..<end.lowerBound].split(separator: "\n").map(String.init)
        let command = try #require(lines.first, "an empty output block for \(name)")
        #expect(command.hasPrefix("$ "), "the block for \(name) starts with its command")
        return (command, Array(lines.dropFirst()))
    }

    @Test(arguments: ["examples/live-queries/watch.py", "examples/live-queries/watch.cjs"])
    func theExamplePrintsWhatTheDocsShow(_ name: String) throws {
        let text = try String(contentsOf: Self.page, encoding: .utf8)
        let (command, printed) = try Self.documentedOutput(of: name, in: text)
        #expect(command.hasSuffix(" " + name))

        let server = try MockConvexProcess(["--config", Fixtures.exampleConfig, "--port", "0", "--site-proxy-port", "0", "--no-port80"])
        defer { server.stop() }
        let url = "http://127.0.0.1:\(try server.port("admin"))"
        let script = DocumentationLinkTests.root.appendingPathComponent(name).path
        var environment = ProcessInfo.processInfo.environment
        let arguments: [String]
        if name.hasSuffix(".py") {
            arguments = [ClientScript.python, script, url]
        } else {
            // As a user of Debian's node-ws and the bundled client would run it.
            environment["NODE_PATH"] = "/usr/share/nodejs"
            environment["CONVEX_BROWSER"] = ClientScript.jsClient
            arguments = ["node", script, url]
        }
        let result = try Command.run(arguments, timeout: 60, environment: environment)
        #expect(!result.timedOut)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.split(separator: "\n").map(String.init) == printed, "printed:\n\(result.stdout)\n\(result.stderr)")
    }

    @Test func theREADMEShowsThePythonExampleAsTheDocsDo() throws {
        let page = try String(contentsOf: Self.page, encoding: .utf8)
        let (command, printed) = try Self.documentedOutput(of: "examples/live-queries/watch.py", in: page)
        let readme = try String(contentsOf: DocumentationLinkTests.root.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains((["```", command] + printed + ["```"]).joined(separator: "\n")))
    }
}
