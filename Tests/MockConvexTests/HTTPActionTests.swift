import EventHTTP
@testable import MockConvex
import Testing

/// HTTP actions under `/http/` on the admin port: route matching as the Convex router does
/// it, the fixed answers of config routes, the two 404 texts and the 500 of a throwing
/// action (spec §7, notes §11).
@Suite(.timeLimit(.minutes(1))) struct HTTPActionTests {
    static let config = """
        {"httpRoutes": [
          {"method": "GET", "path": "/hello", "status": 200, "headers": {"Content-Type": "text/plain", "X-Custom": "yes"}, "body": "Hello world!"},
          {"method": "GET", "path": "/text", "body": "plain"},
          {"method": "GET", "path": "/", "body": "root"},
          {"method": "POST", "pathPrefix": "/webhooks/", "status": 204},
          {"method": "POST", "pathPrefix": "/webhooks/github/", "status": 202, "body": "github"},
          {"method": "POST", "path": "/webhooks/github/exact", "status": 201, "body": "exact"},
          {"method": "GET", "pathPrefix": "/files/", "body": "a file"},
          {"method": "GET", "path": "/json", "body": {"ok": true, "n": 1, "list": [1.5, -0, 1e21, 1e-7], "b": "x", "2": "two", "1": "one"}},
          {"method": "PUT", "path": "/json", "status": 201, "headers": {"content-type": "application/vnd.api+json"}, "body": {"n": 100}},
          {"method": "GET", "path": "/boom", "throws": "boom"},
          {"method": "GET", "path": "/silent", "throws": ""},
          {"method": "DELETE", "path": "/gone", "status": 410, "body": ""},
          {"method": "OPTIONS", "path": "/hello", "status": 204, "headers": {"Access-Control-Allow-Origin": "*"}},
          {"method": "PATCH", "path": "/hello", "status": 200, "body": "patched"}
        ]}
        """
    static let allMethods = "GET,HEAD,POST,DELETE,PATCH,PUT,OPTIONS"

    let mock: InProcess

    init() throws {
        mock = try InProcess(config: Self.config)
    }

    private func http(_ method: HTTPMethod, _ path: String, headers: HTTPHeaders = [:], body: String = "") throws -> HTTPResponse {
        try mock.admin(method, "/http" + path, headers: headers, body: body)
    }

    @Test func aRouteAnswersWithItsStatusHeadersAndBody() throws {
        let response = try http(.GET, "/hello")
        #expect(response.status == 200)
        #expect(response.headers == ["content-type": "text/plain", "x-custom": "yes"])
        #expect(response.bodyText == "Hello world!")
    }

    @Test func aStringBodyIsPlainTextByDefault() throws {
        let response = try http(.GET, "/text")
        #expect(response.status == 200)
        #expect(response.headers == ["content-type": "text/plain;charset=UTF-8"])
        #expect(response.bodyText == "plain")
    }

    @Test func aJSONBodyIsWrittenAsResponseJsonWritesIt() throws {
        let response = try http(.GET, "/json")
        #expect(response.status == 200)
        #expect(response.headers == ["content-type": "application/json"])
        // JSON.stringify: JavaScript numbers, and integer-like keys first.
        #expect(response.bodyText == #"{"1":"one","2":"two","ok":true,"n":1,"list":[1.5,0,1e+21,1e-7],"b":"x"}"#)
    }

    @Test func aGivenContentTypeBeatsTheJSONDefault() throws {
        let response = try http(.PUT, "/json")
        #expect(response.status == 201)
        #expect(response.headers == ["content-type": "application/vnd.api+json"])
        #expect(response.bodyText == #"{"n":100}"#)
    }

    @Test func anEmptyBodyHasNoContentType() throws {
        let noBody = try http(.POST, "/webhooks/stripe")
        #expect(noBody.status == 204)
        #expect(noBody.headers.isEmpty)
        #expect(noBody.body.isEmpty)
        let emptyBody = try http(.DELETE, "/gone")
        #expect(emptyBody.status == 410)
        #expect(emptyBody.headers.isEmpty)
    }

    @Test func theRootIsSlash() throws {
        #expect(try http(.GET, "/").bodyText == "root")
    }

    @Test func anExactPathBeatsEveryPrefix() throws {
        let response = try http(.POST, "/webhooks/github/exact")
        #expect(response.status == 201)
        #expect(response.bodyText == "exact")
    }

    @Test func theLongestPrefixWins() throws {
        #expect(try http(.POST, "/webhooks/github/push").status == 202)
        #expect(try http(.POST, "/webhooks/github/").status == 202)
        #expect(try http(.POST, "/webhooks/githubber").status == 204)
        #expect(try http(.POST, "/webhooks/").status == 204)
    }

    @Test func aPrefixNeedsItsTrailingSlash() throws {
        let response = try http(.POST, "/webhooks")
        #expect(response.status == 404)
        #expect(response.bodyText == "No matching routes found")
    }

    @Test func theQueryStringIsNotPartOfThePath() throws {
        #expect(try http(.GET, "/hello?x=1&y").bodyText == "Hello world!")
        #expect(try http(.GET, "/files/a/b.txt?download=1").bodyText == "a file")
    }

    @Test func routesAreMatchedByMethod() throws {
        #expect(try http(.PATCH, "/hello").bodyText == "patched")
        let response = try http(.POST, "/hello")
        #expect(response.status == 404)
        #expect(response.headers == ["content-type": "text/plain; charset=utf-8"])
        #expect(response.bodyText == "No matching routes found")
        #expect(try http(.GET, "/webhooks/x").status == 404)
    }

    @Test func headIsRoutedAsGet() throws {
        let response = try http(.HEAD, "/hello")
        #expect(response.status == 200)
        #expect(response.headers == ["content-type": "text/plain", "x-custom": "yes"])
        #expect(try http(.HEAD, "/files/x").status == 200)
        #expect(try http(.HEAD, "/webhooks/x").status == 404)
    }

    @Test func optionsIsAnOrdinaryRouteMethod() throws {
        let response = try http(.OPTIONS, "/hello", headers: ["Origin": "https://app.example", "Access-Control-Request-Method": "GET"])
        #expect(response.status == 204)
        #expect(response.headers == ["access-control-allow-origin": "*"])
    }

    @Test func unknownPathsAreNoMatchingRoutes() throws {
        let response = try http(.GET, "/nowhere")
        #expect(response.status == 404)
        #expect(response.headers == ["content-type": "text/plain; charset=utf-8"])
        #expect(response.bodyText == "No matching routes found")
    }

    @Test(arguments: [HTTPMethod.TRACE, .CONNECT])
    func otherMethodsAre405(method: HTTPMethod) throws {
        let response = try http(method, "/hello")
        #expect(response.status == 405)
        #expect(response.headers == ["allow": Self.allMethods])
        #expect(response.body.isEmpty)
    }

    @Test func aThrowingActionIsA500WithAFreshRequestId() throws {
        let response = try http(.GET, "/boom", headers: ["Convex-Request-Id": "caller-id"])
        #expect(response.status == 500)
        #expect(response.headers == ["content-type": "application/json"])
        let code = try #require(try response.json["code"]?.stringValue)
        #expect(code.wholeMatch(of: /\[Request ID: [0-9a-f]{16}\] Server Error: Uncaught Error: boom/) != nil)
        #expect(response.textWithoutRequestId == #"{"code":"[Request ID: X] Server Error: Uncaught Error: boom","trace":"Uncaught Error: boom\n    at handler (../convex/http.ts:1:1)\n"}"#)
    }

    @Test func anEmptyThrownMessageLeavesOnlyTheName() throws {
        let response = try http(.GET, "/silent")
        #expect(response.status == 500)
        #expect(response.textWithoutRequestId == #"{"code":"[Request ID: X] Server Error: Uncaught Error","trace":"Uncaught Error\n    at handler (../convex/http.ts:1:1)\n"}"#)
    }

    @Test func aDeploymentWithoutRoutesHasHTTPActionsDisabled() throws {
        let bare = try InProcess(config: #"{"debugRoutes": false, "functions": {"a:b": {"type": "query", "returns": 1}}}"#)
        for path in ["/http/", "/http/anything", "/http/x?y=1"] {
            let response = try bare.admin(.POST, path)
            #expect(response.status == 404)
            #expect(response.headers == ["content-type": "text/plain; charset=utf-8"])
            #expect(response.bodyText == "This Convex deployment does not have HTTP actions enabled.")
        }
        #expect(try bare.admin(.TRACE, "/http/x").status == 405)
    }

    @Test func theBodyAndAuthorizationOfTheRequestDoNotMatter() throws {
        let response = try http(.POST, "/webhooks/x", headers: ["Authorization": "Bearer not-a-jwt", "Content-Type": "text/plain"], body: "{")
        #expect(response.status == 204)
        let badAuthorization = try http(.GET, "/hello", headers: ["Authorization": "abc"])
        #expect(badAuthorization.status == 200)
    }
}
