import EventHTTP
@testable import MockConvex
import Testing

/// The shape of every error that is not a function error: `{"code","message"}` as compact
/// JSON with the status of its kind, or nothing at all when both are empty (spec §3, notes §0).
@Suite(.timeLimit(.minutes(1))) struct ErrorBodyTests {
    @Test(arguments: [
        (ConvexAPIError.badRequest("BadFormat", "m"), 400),
        (.unauthenticated("BadAdminKey", "m"), 401),
        (.forbidden("BadDeployKey", "m"), 403),
        (.notFound("MetricsDisabled", "m"), 404),
    ])
    func eachKindHasItsStatus(error: ConvexAPIError, status: Int) {
        #expect(error.response.status == status)
        #expect(error.response.headers == ["content-type": "application/json"])
        #expect(error.response.bodyText == #"{"code":"\#(error.code)","message":"m"}"#)
    }

    @Test func anythingElseIsAnInternalServerError() {
        let response = ConvexAPIError.internalServerError.response
        #expect(response.status == 500)
        #expect(response.headers == ["content-type": "application/json"])
        #expect(response.bodyText == #"{"code":"InternalServerError","message":"Your request couldn't be completed. Try again later."}"#)
    }

    @Test func anEmptyCodeAndMessageIsAnEmptyBody() {
        let response = ConvexAPIError(status: 404, code: "", message: "").response
        #expect(response.status == 404)
        #expect(response.headers.isEmpty)
        #expect(response.body.isEmpty)
    }

    @Test func messagesAreEscapedAsSerdeJSONEscapes() {
        let response = ConvexAPIError.badRequest("BadJsonBody", "a \"quote\", a \\ and a\nnewline\u{1}").response
        #expect(response.bodyText == #"{"code":"BadJsonBody","message":"a \"quote\", a \\ and a\nnewline\u0001"}"#)
    }
}
