import EventHTTP
@testable import MockConvex
import Testing

/// Functions and HTTP routes declared at run time with the config file's JSON.
@Suite(.timeLimit(.minutes(1))) struct ControlDeclarationTests {
    @Test func aFunctionDeclaredAtRunTimeServesAndIsListed() throws {
        let mock = try ControlInProcess(config: #"{"functions": {"app:version": {"type": "query", "returns": "1.0"}}}"#)
        let put = try mock.call(.PUT, "/_mock/functions/notes:add", #"{"type": "mutation", "insert": "notes"}"#)
        #expect(put.status == 200)
        #expect(put.bodyText == #"{"path":"notes:add","function":{"type":"mutation","insert":"notes"}}"#)
        let inserted = try mock.mutation("notes:add", #"{"text": "hi"}"#)
        #expect(try inserted.json["status"] == .string("success"))
        #expect(try mock.call(.GET, "/_mock/functions").bodyText
            == #"{"functions":{"app:version":{"type":"query","returns":"1.0"},"notes:add":{"type":"mutation","insert":"notes"}}}"#)
        #expect(try mock.call(.GET, "/_mock/functions/notes:add").bodyText == put.bodyText)
    }

    @Test func aPathWithDirectoriesAndAReplacement() throws {
        let mock = try ControlInProcess()
        _ = try mock.call(.PUT, "/_mock/functions/dir/mod:get", #"{"type": "query", "returns": 1}"#)
        _ = try mock.call(.PUT, "/_mock/functions/dir/mod:get", #"{"type": "query", "returns": 2}"#)
        #expect(try mock.query("dir/mod:get").bodyText.contains(#""value":2"#))
        // Numbers come back as the backend's JSON writer writes a float64.
        #expect(try mock.call(.GET, "/_mock/functions").bodyText == #"{"functions":{"dir/mod:get":{"type":"query","returns":2.0}}}"#)
    }

    @Test func deletingAFunctionMakesItUnknown() throws {
        let mock = try ControlInProcess(config: #"{"functions": {"app:version": {"type": "query", "returns": "1.0"}}}"#)
        #expect(try mock.call(.DELETE, "/_mock/functions/app:version").bodyText == #"{"removed":"app:version"}"#)
        #expect(try mock.query("app:version").bodyText.contains("Could not find public function for 'app:version'"))
        let again = try mock.call(.DELETE, "/_mock/functions/app:version")
        #expect(again.status == 404)
        #expect(again.bodyText == #"{"code":"UnknownFunction","message":"No function app:version is declared"}"#)
    }

    @Test(arguments: [
        ("notes:add", #"{"type": "mutation"}"#, "$: missing a behaviour: one of insert, get, list, patch, replace, delete, returns, echo, throws, storage, schedule, identity"),
        ("notes:add", #"{"type": "query", "insert": "notes"}"#, "$.insert: a query cannot write; declare this function as a mutation"),
        ("_mockconvex:mine", #"{"type": "query", "returns": 1}"#, "$: the _mockconvex module is reserved for mockconvex's built-in functions"),
        ("later:go", #"{"type": "mutation", "schedule": {"function": "missing:fn"}}"#, "$.schedule.function: no function missing:fn is declared"),
    ])
    func aBadDeclarationIsRefused(path: String, body: String, message: String) throws {
        let mock = try ControlInProcess()
        let response = try mock.call(.PUT, "/_mock/functions/\(path)", body)
        #expect(response.status == 400)
        #expect(try response.json == .object([("code", .string("InvalidFunction")), ("message", .string(message))]))
        #expect(try mock.call(.GET, "/_mock/functions").bodyText == #"{"functions":{}}"#)
    }

    @Test func anInvalidFunctionPathIsRefused() throws {
        let response = try ControlInProcess().call(.GET, "/_mock/functions/a:b:c")
        #expect(response.status == 400)
        #expect(try response.json["code"] == .string("InvalidFunctionPath"))
    }

    @Test func httpRoutesAreReplacedWhole() throws {
        let mock = try ControlInProcess(config: #"{"httpRoutes": [{"method": "GET", "path": "/old", "body": "old"}]}"#)
        #expect(try mock.call(.GET, "/_mock/http-routes").bodyText == #"{"httpRoutes":[{"method":"GET","path":"/old","body":"old"}]}"#)
        let put = try mock.call(.PUT, "/_mock/http-routes", #"[{"method": "GET", "path": "/hi", "body": "hey"}]"#)
        #expect(put.status == 200)
        #expect(put.bodyText == #"{"httpRoutes":[{"method":"GET","path":"/hi","body":"hey"}]}"#)
        #expect(try mock.site(.GET, "/hi").response?.bodyText == "hey")
        #expect(try mock.site(.GET, "/old").response?.bodyText == "No matching routes found")
    }

    @Test func badRoutesChangeNothing() throws {
        let mock = try ControlInProcess(config: #"{"httpRoutes": [{"method": "GET", "path": "/old", "body": "old"}]}"#)
        let duplicate = try mock.call(.PUT, "/_mock/http-routes", #"[{"method": "GET", "path": "/a"}, {"method": "GET", "path": "/a"}]"#)
        #expect(duplicate.status == 400)
        #expect(try duplicate.json == .object([("code", .string("InvalidHTTPRoutes")), ("message", .string("$[1]: a route for GET /a is already declared"))]))
        let notArray = try mock.call(.PUT, "/_mock/http-routes", #"{"method": "GET"}"#)
        #expect(notArray.status == 400)
        #expect(try notArray.json["message"] == .string("$: expected an array, got an object"))
        #expect(try mock.site(.GET, "/old").response?.bodyText == "old")
    }
}
