import Foundation
import Testing

/// Every test runs under a Swift Testing time limit, so that a hang is reported in minutes
/// rather than at CI's cut. Swift Testing has no API that lists tests and their traits, so this
/// reads the test sources: a suite added without `.timeLimit` fails here, by file and line.
@Suite(.timeLimit(.minutes(1))) struct TimeLimitCoverageTests {
    @Test func everySuiteAndEveryFreeTestHasATimeLimit() throws {
        let directory = Fixtures.root.appendingPathComponent("Tests")
        let files = try #require(FileManager.default.enumerator(atPath: directory.path))
            .compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }.sorted()
        let sources = try files.map { (name: $0, text: try String(contentsOf: directory.appendingPathComponent($0), encoding: .utf8)) }
        let scan = TimeLimitScan(sources)
        // The scan sees the suites that exist (this one among them), so an empty result means something.
        #expect(scan.suites.contains("TimeLimitCoverageTests"))
        #expect(scan.suites.count >= 60, "\(scan.suites)")
        #expect(scan.problems == [], "add .timeLimit(.minutes(N)) to each: \(scan.problems.joined(separator: "; "))")
    }

    @Test func theScanFindsEachWayOfLeavingATimeLimitOut() {
        let scan = TimeLimitScan([
            (name: "A.swift", text: "@Suite struct Unlimited {\n    @Test func a() {}\n}\n"),
            (name: "B.swift", text: "struct Implicit {\n    @Test(arguments: [1, 2])\n    func b(n: Int) {}\n}\n"),
            (name: "C.swift", text: "@Test func free() {}\n"),
            (name: "D.swift", text: "@Suite(.timeLimit(.minutes(1))) struct Limited {\n    @Test func d() {}\n}\nextension Limited {\n    @Test func e() {}\n}\n"),
            (name: "E.swift", text: "@Test(.timeLimit(.minutes(1))) func limitedFree() {}\nstruct EachLimited {\n    @Test(.timeLimit(.minutes(1)))\n    func f() {}\n}\n"),
            (name: "F.swift", text: "extension Elsewhere {\n    @Test func g() {}\n}\n"),
        ])
        #expect(scan.problems == [
            "A.swift:1: suite Unlimited has no .timeLimit",
            "B.swift:2: Implicit has tests but no @Suite(.timeLimit(...)), and this test has no .timeLimit",
            "C.swift:1: a test outside any suite has no .timeLimit",
            "F.swift:2: Elsewhere has tests but no declaration in Tests/",
        ])
        #expect(scan.suites == ["Limited", "Unlimited"])
    }
}

/// Reads Swift test sources line by line, in this project's style: types declared at column 0,
/// with their attributes on the same line or the lines just above; `@Suite` traits on one line.
struct TimeLimitScan {
    private(set) var problems: [String] = []
    /// The names of the types marked `@Suite`.
    private(set) var suites: [String] = []

    private struct Declaration {
        let place: String
        let attributes: String
    }

    /// A type's declaration line: its kind and name, after any attributes and modifiers.
    private static var declaration: Regex<(Substring, Substring, Substring)> {
        /^(?:@.*\s)?(?:(?:public|internal|private|fileprivate|final)\s+)*(struct|class|enum|actor|extension)\s+(\w+)/
    }

    init(_ sources: [(name: String, text: String)]) {
        var declarations: [String: Declaration] = [:]
        var tests: [(type: String?, place: String, attribute: String)] = []
        for (name, text) in sources {
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            var attributes: [String] = []
            var currentType: String?
            for (index, line) in lines.enumerated() {
                let place = "\(name):\(index + 1)"
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if trimmed.hasPrefix("@Suite"), !trimmed.contains(".timeLimit(") {
                    let suite = (try? Self.declaration.firstMatch(in: trimmed)).map { String($0.2) } ?? "?"
                    problems.append("\(place): suite \(suite) has no .timeLimit")
                }
                if trimmed.hasPrefix("@Test") {
                    // The attribute runs to its function, possibly over several lines.
                    let span = lines[index...].prefix { !$0.contains("func ") }.joined(separator: "\n")
                        + "\n" + (lines[index...].first { $0.contains("func ") } ?? "")
                    tests.append((type: line.first?.isWhitespace == true ? currentType : nil, place: place, attribute: span))
                    continue
                }
                guard let first = line.first, !first.isWhitespace else { continue }
                if let match = try? Self.declaration.firstMatch(in: line) {
                    let joined = (attributes + [line]).joined(separator: "\n")
                    currentType = String(match.2)
                    if match.1 != "extension" {
                        declarations[String(match.2)] = Declaration(place: place, attributes: joined)
                        if joined.contains("@Suite") { suites.append(String(match.2)) }
                    }
                    attributes = []
                } else if first == "@" {
                    attributes.append(line)
                } else {
                    attributes = []
                    if first == "}" { currentType = nil }
                }
            }
        }
        suites.sort()
        for test in tests where !test.attribute.contains(".timeLimit(") {
            guard let type = test.type else {
                problems.append("\(test.place): a test outside any suite has no .timeLimit")
                continue
            }
            guard let declared = declarations[type] else {
                problems.append("\(test.place): \(type) has tests but no declaration in Tests/")
                continue
            }
            if !declared.attributes.contains("@Suite") {
                problems.append("\(test.place): \(type) has tests but no @Suite(.timeLimit(...)), and this test has no .timeLimit")
            }
        }
    }
}
