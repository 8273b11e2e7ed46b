@testable import MockConvex
import Testing

/// Review: "Could not fetch JWKS from URL '...': HTTP {status} {reason}" names the status as
/// the backend does, with `http::StatusCode::canonical_reason` ("Unknown" only when the http
/// crate knows no reason).
@Suite(.timeLimit(.minutes(1))) struct JWKSStatusReasonReviewTests {
    @Test(arguments: [
        (201, "Created"), (202, "Accepted"), (203, "Non Authoritative Information"), (303, "See Other"),
        (402, "Payment Required"), (406, "Not Acceptable"), (409, "Conflict"), (410, "Gone"), (413, "Payload Too Large"),
        (418, "I'm a teapot"), (422, "Unprocessable Entity"), (451, "Unavailable For Legal Reasons"), (501, "Not Implemented"),
        (505, "HTTP Version Not Supported"), (511, "Network Authentication Required"), (299, "Unknown"), (599, "Unknown"),
    ])
    func aJWKSServerStatusIsNamedAsTheBackendNamesIt(status: Int, reason: String) {
        #expect(ReasonPhrase.of(status) == reason)
        #expect(TokenRejection.unfetchable("http://127.0.0.1:1/jwks.json", "HTTP \(status) \(ReasonPhrase.of(status))").message
            == "Could not fetch JWKS from URL 'http://127.0.0.1:1/jwks.json': HTTP \(status) \(reason). Check that the URL is correct and accessible.")
    }
}
