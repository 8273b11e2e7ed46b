@testable import MockConvex
import Testing

@Suite(.timeLimit(.minutes(1))) struct ClientVersionTests {
    @Test(arguments: [
        ("python-convex-0.5.0", "python", "0.5.0"),
        ("npm-1.2.3-alpha.1", "npm", "1.2.3-alpha.1"),
        ("my-esolang-client-0.0.1", "my-esolang-client", "0.0.1"),
        ("NPM-CLI-1.17.0", "npm-cli", "1.17.0"),
    ])
    func splitsNameAndVersionFromTheRight(header: String, client: String, version: String) throws {
        let parsed = try ClientVersion(header: header)
        #expect(parsed.client == client)
        #expect(parsed.version == .semver(version))
    }

    @Test func aHeaderWithoutADashIsRefused() {
        #expect(throws: ConvexAPIError.badRequest("InvalidClientVersion", "Failed to parse client version string: 'python'. Expected format is {client_name}-{semver}, e.g. my-esolang-client-0.0.1")) {
            try ClientVersion(header: "python")
        }
    }

    @Test func noHeaderIsAnUnknownClient() throws {
        #expect(try ClientVersion(header: nil) == .unknown)
        #expect(try ClientVersion(header: "caf\u{e9}-1.0.0") == .unknown)
    }

    @Test(arguments: [
        ("python-convex-0.4.9", ValueFormat.encoded), ("python-convex-0.5.0", .clean), ("python-0.6.0", .clean),
        ("npm-1.4.0", .encoded), ("npm-1.4.1", .clean), ("actions-1.0.0", .encoded), ("npm-cli-2.0.0", .clean),
        ("rust-0.1.0", .clean), ("swift-0.1.0", .clean), ("curl-8.0.0", .clean),
    ])
    func defaultFormatFollowsTheClient(header: String, format: ValueFormat) throws {
        #expect(try ClientVersion(header: header).defaultFormat == format)
        #expect(ClientVersion.unknown.defaultFormat == .clean)
    }

    @Test func oldClientsAreRefusedOrWarned() throws {
        #expect(try ClientVersion(header: "python-convex-0.0.1").supportState == .unsupported(
            "The Convex python package at version 0.0.1 is no longer supported. Update your Convex python version with `pip install --upgrade convex`."))
        #expect(try ClientVersion(header: "npm-foo").supportState == .unsupported(
            "The Convex npm package at version foo is no longer supported. Update your Convex npm version with `npx convex update` or `npm update`."))
        #expect(try ClientVersion(header: "python-convex-0.2.0").supportState == .upgradeRequired(
            "The Convex python package at 0.2.0 is deprecated and will no longer be supported soon. When this version is no longer supported, requests to Convex will fail, so it is best to upgrade and redeploy your application as soon as possible. Update your Convex python version with `pip install --upgrade convex`."))
        #expect(try ClientVersion(header: "npm-1.20.0").supportState == .supported)
        #expect(try ClientVersion(header: "foo-bar").supportState == .supported)
    }

    @Test func semverIsStrict() {
        #expect(Semver(parsing: "1.2.3") != nil)
        #expect(Semver(parsing: "1.2.3-rc.1+build.7") != nil)
        #expect(Semver(parsing: "01.2.3") == nil)
        #expect(Semver(parsing: "1.2") == nil)
        #expect(Semver(parsing: "1.2.3-01") == nil)
        #expect(Semver(parsing: "+1.2.3") == nil)
        #expect(Semver(parsing: "1.2.3-alpha")! < Semver(parsing: "1.2.3")!)
        #expect(Semver(parsing: "1.2.3-alpha.2")! < Semver(parsing: "1.2.3-alpha.10")!)
        #expect(Semver(parsing: "1.2.3-2")! < Semver(parsing: "1.2.3-alpha")!)
    }
}
