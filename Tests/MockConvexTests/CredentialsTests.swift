@testable import MockConvex
import Testing

@Suite(.timeLimit(.minutes(1))) struct CredentialsTests {
    @Test func readsAdminKeysAndBearerTokens() throws {
        #expect(try Credentials(header: "Convex name|01ab", adminKeyParameter: nil) == .adminKey("name|01ab"))
        #expect(try Credentials(header: "convex name|01ab", adminKeyParameter: "ignored") == .adminKey("name|01ab"))
        #expect(try Credentials(header: "Convex prod:name|01ab", adminKeyParameter: nil) == .adminKey("name|01ab"))
        #expect(try Credentials(header: "Convex preview:team:proj|01ab", adminKeyParameter: nil) == .adminKey("01ab"))
        #expect(try Credentials(header: "Bearer  a.b.c ", adminKeyParameter: nil) == .bearer("a.b.c"))
        #expect(try Credentials(header: nil, adminKeyParameter: "k") == .adminKey("k"))
        #expect(try Credentials(header: nil, adminKeyParameter: nil) == Credentials.none)
    }

    @Test func refusesMalformedHeadersWithTheBackendsCodes() {
        #expect(throws: ConvexAPIError.badRequest("InvalidHeaderFailure", "Invalid authentication header")) {
            try Credentials(header: "Bearer", adminKeyParameter: nil)
        }
        #expect(throws: ConvexAPIError.badRequest("InvalidAdminKey", "Invalid admin key")) {
            try Credentials(header: "Basic dXNlcjpwYXNz", adminKeyParameter: nil)
        }
        #expect(throws: ConvexAPIError.badRequest("InvalidAdminKey", "Invalid admin key")) {
            try Credentials(header: "Bearer ", adminKeyParameter: nil)
        }
        #expect(throws: ConvexAPIError.badRequest("HeaderParseFailure", "Malformed Authorization header.")) {
            try Credentials(header: "Convex name|01ab:not-base64!", adminKeyParameter: nil)
        }
    }
}
