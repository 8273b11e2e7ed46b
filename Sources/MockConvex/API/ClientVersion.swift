/// The `Convex-Client` header: who is calling, and therefore which default value format it
/// gets and whether it is too old to be served.
struct ClientVersion: Sendable, Equatable {
    enum Version: Sendable, Equatable {
        case semver(String)
        case unrecognized(String)
    }

    /// Lowercased client name as the backend names it (`python`, `npm`, `npm-cli`, ...).
    let client: String
    let parsedVersion: Semver?
    let version: Version

    /// What the backend assumes without a header (or with one that is not visible ASCII).
    static let unknown = ClientVersion(client: "unknown", parsedVersion: nil, version: .unrecognized("unknownversion"))

    private init(client: String, parsedVersion: Semver?, version: Version) {
        self.client = client
        self.parsedVersion = parsedVersion
        self.version = version
    }

    /// Reads the header the way the backend does: split on `-`, the longest suffix that is a
    /// semantic version is the version and the rest the client name.
    init(header: String?) throws(ConvexAPIError) {
        guard let header, header.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F || $0 == 0x09 }) else {
            self = .unknown
            return
        }
        let parts = header.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2 else {
            throw ConvexAPIError.badRequest("InvalidClientVersion", "Failed to parse client version string: '\(header)'. Expected format is {client_name}-{semver}, e.g. my-esolang-client-0.0.1")
        }
        for split in 1..<parts.count {
            if let semver = Semver(parsing: parts[split...].joined(separator: "-")) {
                self.init(client: Self.canonicalName(parts[..<split].joined(separator: "-")), parsedVersion: semver, version: .semver(semver.description))
                return
            }
        }
        self.init(client: Self.canonicalName(parts[0]), parsedVersion: nil, version: .unrecognized(parts[1...].joined(separator: "-")))
    }

    private static func canonicalName(_ name: String) -> String {
        let lower = name.lowercased()
        return lower == "python-convex" ? "python" : lower
    }

    private var family: Family {
        switch client {
        case "npm", "npm-cli", "actions": .npm
        case "python": .python
        case "rust": .rust
        default: .other
        }
    }

    private enum Family { case npm, python, rust, other }

    private var versionText: String {
        switch version {
        case .semver(let text), .unrecognized(let text): text
        }
    }

    /// An unparseable version of a known client counts as older than any threshold, and also
    /// as newer than any: that is how the backend compares them.
    private func atOrBelow(_ threshold: Semver) -> Bool { parsedVersion.map { $0 <= threshold } ?? true }
    private func atOrAbove(_ threshold: Semver) -> Bool { parsedVersion.map { $0 >= threshold } ?? true }

    /// `name-version`, as the header says it.
    var description: String { "\(client)-\(versionText)" }

    /// The version a sync URL names (`/api/1.45.0/sync`): the backend counts it as the npm
    /// client's, and refuses one that is not a semantic version.
    static func fromSyncPath(_ version: String) -> ClientVersion? {
        guard let semver = Semver(parsing: version) else { return nil }
        return ClientVersion(client: "npm", parsedVersion: semver, version: .semver(semver.description))
    }

    /// Old JavaScript and Python clients expect the encoded format unless they ask otherwise.
    var defaultFormat: ValueFormat {
        switch family {
        case .npm: atOrAbove(Semver(1, 4, 1)) ? .clean : .encoded
        case .python: atOrAbove(Semver(0, 5, 0)) ? .clean : .encoded
        case .rust, .other: .clean
        }
    }

    enum SupportState: Sendable, Equatable {
        case supported
        case upgradeRequired(String)
        case unsupported(String)
    }

    /// The deprecation thresholds the backend ships (`deprecation.json`).
    var supportState: SupportState {
        let thresholds: (upgradeRequired: Semver, unsupported: Semver, instructions: String)
        switch family {
        case .npm: thresholds = (Semver(0, 19, 1), Semver(0, 19, 1), "Update your Convex npm version with `npx convex update` or `npm update`.")
        case .python: thresholds = (Semver(0, 2, 0), Semver(0, 0, 2), "Update your Convex python version with `pip install --upgrade convex`.")
        case .rust: thresholds = (Semver(0, 0, 1), Semver(0, 0, 1), "Update your Convex rust version with `cargo update -p convex` or by updating `Cargo.toml`.")
        case .other: return .supported
        }
        if atOrBelow(thresholds.unsupported) {
            return .unsupported("The Convex \(client) package at version \(versionText) is no longer supported. \(thresholds.instructions)")
        }
        if atOrBelow(thresholds.upgradeRequired) {
            return .upgradeRequired("The Convex \(client) package at \(versionText) is deprecated and will no longer be supported soon. When this version is no longer supported, requests to Convex will fail, so it is best to upgrade and redeploy your application as soon as possible. \(thresholds.instructions)")
        }
        return .supported
    }
}
