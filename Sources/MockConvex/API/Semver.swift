/// A semantic version parsed as strictly as Rust's `semver` crate, which the backend uses to
/// split `Convex-Client` values: which suffix counts as a version decides the client name, so
/// a lenient parser would name clients differently. (mxcl/Version accepts leading zeros and
/// signs, and pulls in Foundation.)
struct Semver: Comparable, Sendable, CustomStringConvertible {
    let major: UInt64
    let minor: UInt64
    let patch: UInt64
    let prerelease: [String]
    let build: [String]

    init(_ major: UInt64, _ minor: UInt64, _ patch: UInt64) {
        self.major = major
        self.minor = minor
        self.patch = patch
        prerelease = []
        build = []
    }

    init?(parsing text: String) {
        var rest = Substring(text)
        var buildPart: Substring?
        if let plus = rest.firstIndex(of: "+") {
            buildPart = rest[rest.index(after: plus)...]
            rest = rest[..<plus]
        }
        var prereleasePart: Substring?
        if let dash = rest.firstIndex(of: "-") {
            prereleasePart = rest[rest.index(after: dash)...]
            rest = rest[..<dash]
        }
        let numbers = rest.split(separator: ".", omittingEmptySubsequences: false)
        guard numbers.count == 3,
              let major = Self.number(numbers[0]), let minor = Self.number(numbers[1]), let patch = Self.number(numbers[2])
        else { return nil }
        self.major = major
        self.minor = minor
        self.patch = patch
        guard let prerelease = Self.identifiers(prereleasePart, numericMayLeadWithZero: false),
              let build = Self.identifiers(buildPart, numericMayLeadWithZero: true)
        else { return nil }
        self.prerelease = prerelease
        self.build = build
    }

    private static func number(_ text: Substring) -> UInt64? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), text == "0" || text.first != "0" else { return nil }
        return UInt64(text)
    }

    private static func identifiers(_ text: Substring?, numericMayLeadWithZero: Bool) -> [String]? {
        guard let text else { return [] }
        var result: [String] = []
        for part in text.split(separator: ".", omittingEmptySubsequences: false) {
            guard !part.isEmpty, part.utf8.allSatisfy({ isIdentifierByte($0) }) else { return nil }
            let numeric = part.utf8.allSatisfy { $0 >= 48 && $0 <= 57 }
            if numeric && !numericMayLeadWithZero && part.count > 1 && part.first == "0" { return nil }
            result.append(String(part))
        }
        return result
    }

    private static func isIdentifierByte(_ byte: UInt8) -> Bool {
        (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || byte == 45
    }

    var description: String {
        var text = "\(major).\(minor).\(patch)"
        if !prerelease.isEmpty { text += "-" + prerelease.joined(separator: ".") }
        if !build.isEmpty { text += "+" + build.joined(separator: ".") }
        return text
    }

    /// Precedence as the `semver` crate orders versions: a pre-release sorts before its
    /// release, and build metadata breaks remaining ties.
    static func < (lhs: Semver, rhs: Semver) -> Bool {
        if (lhs.major, lhs.minor, lhs.patch) != (rhs.major, rhs.minor, rhs.patch) {
            return (lhs.major, lhs.minor, lhs.patch) < (rhs.major, rhs.minor, rhs.patch)
        }
        if lhs.prerelease != rhs.prerelease {
            if lhs.prerelease.isEmpty { return false }
            if rhs.prerelease.isEmpty { return true }
            return identifiersPrecede(lhs.prerelease, rhs.prerelease)
        }
        return identifiersPrecede(lhs.build, rhs.build)
    }

    private static func identifiersPrecede(_ a: [String], _ b: [String]) -> Bool {
        for (x, y) in zip(a, b) where x != y {
            switch (UInt64(x), UInt64(y)) {
            case let (p?, q?): return p < q
            case (_?, nil): return true
            case (nil, _?): return false
            case (nil, nil): return x.utf8.lexicographicallyPrecedes(y.utf8)
            }
        }
        return a.count < b.count
    }
}
