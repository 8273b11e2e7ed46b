import EventHTTP
@testable import MockConvex
import Testing

/// `format` on the function routes: the encoded and clean formats, their aliases, the default
/// each `Convex-Client` gets, and `BadFormat`, which is only noticed after the function ran
/// (spec §4, notes §6 and §7).
@Suite(.timeLimit(.minutes(1))) struct ValueFormatAPITests {
    static let config = """
        {"functions": {
          "values:all": {"type": "query", "returns": {
            "i": {"$integer": "BQAAAAAAAAA="}, "b": {"$bytes": "AQID"}, "f": 7, "neg0": {"$float": "AAAAAAAAAIA="},
            "nan": {"$float": "AAAAAAAA+H8="}, "inf": {"$float": "AAAAAAAA8H8="}, "ninf": {"$float": "AAAAAAAA8P8="},
            "s": "x", "t": true, "n": null, "arr": [1.5, 1e21, 1.5e-7, 0.1, 1e16, 1e15]}},
          "values:echo": {"type": "action", "echo": true},
          "messages:send": {"type": "mutation", "insert": "messages"},
          "messages:list": {"type": "query", "list": "messages"}
        }}
        """
    static let encoded = #"{"status":"success","value":{"arr":[1.5,1e21,1.5e-7,0.1,1e16,1000000000000000.0],"b":{"$bytes":"AQID"},"f":7.0,"i":{"$integer":"BQAAAAAAAAA="},"inf":{"$float":"AAAAAAAA8H8="},"n":null,"nan":{"$float":"AAAAAAAA+H8="},"neg0":{"$float":"AAAAAAAAAIA="},"ninf":{"$float":"AAAAAAAA8P8="},"s":"x","t":true}}"#
    static let clean = #"{"status":"success","value":{"arr":[1.5,1e21,1.5e-7,0.1,1e16,1000000000000000.0],"b":"AQID","f":7.0,"i":"5","inf":"Infinity","n":null,"nan":"NaN","neg0":-0.0,"ninf":"-Infinity","s":"x","t":true}}"#

    private func all(format: String?, client: String? = nil) throws -> HTTPResponse {
        let formatField = format.map { #","format":"\#($0)""# } ?? ""
        let headers: HTTPHeaders = client.map { ["Convex-Client": $0] } ?? [:]
        return try InProcess(config: Self.config).post("/api/query", #"{"path":"values:all","args":{}\#(formatField)}"#, headers: headers)
    }

    @Test(arguments: ["convex_encoded_json", "convex_json"])
    func theEncodedFormatWrapsWhatJSONCannotSay(format: String) throws {
        let response = try all(format: format)
        #expect(response.status == 200)
        #expect(response.bodyText == Self.encoded)
    }

    @Test(arguments: ["json", "convex_clean_json"])
    func theCleanFormatWritesStrings(format: String) throws {
        #expect(try all(format: format).bodyText == Self.clean)
    }

    @Test func exportJSONWritesIntegersBareAndWrapsOnlyBytesAndNonFiniteFloats() throws {
        let response = try all(format: "export_json")
        #expect(response.bodyText == #"{"status":"success","value":{"arr":[1.5,1e21,1.5e-7,0.1,1e16,1000000000000000.0],"b":{"$bytes":"AQID"},"f":7.0,"i":5,"inf":{"$float":"AAAAAAAA8H8="},"n":null,"nan":{"$float":"AAAAAAAA+H8="},"neg0":-0.0,"ninf":{"$float":"AAAAAAAA8P8="},"s":"x","t":true}}"#)
    }

    @Test(arguments: [
        (nil, false),
        ("python-convex-0.4.9", true),
        ("python-convex-0.4.0", true),
        ("Python-Convex-0.3.0", true),
        ("python-0.4.0", true),
        ("python-convex-0.5.0", false),
        ("python-convex-0.5.0-rc.1", true),
        ("python-0.6.1", false),
        ("npm-1.4.0", true),
        ("npm-1.4.1-alpha.1", true),
        ("npm-1.4.1", false),
        ("npm-1.17.0", false),
        ("npm-cli-1.3.0", true),
        ("npm-cli-1.4.1", false),
        ("actions-1.0.0", true),
        ("actions-1.5.0", false),
        ("rust-0.1.0", false),
        ("swift-0.1.0", false),
        ("kotlin-0.1.0", false),
        ("dashboard-0.0.1", false),
        ("my-esolang-client-0.0.1", false),
        ("python-convex-0.4.0\u{1}", false),
    ] as [(String?, Bool)])
    func theDefaultFormatDependsOnTheClient(client: String?, encoded: Bool) throws {
        let response = try all(format: nil, client: client)
        #expect(response.status == 200)
        #expect(response.bodyText == (encoded ? Self.encoded : Self.clean))
    }

    @Test func anExplicitFormatBeatsTheClientsDefault() throws {
        #expect(try all(format: "json", client: "python-convex-0.4.0").bodyText == Self.clean)
        #expect(try all(format: "convex_encoded_json", client: "python-convex-0.6.0").bodyText == Self.encoded)
    }

    @Test(arguments: ["xml", "JSON", "", "Json", "convex_encoded_JSON", "clean"])
    func anUnknownFormatIsBadFormat(format: String) throws {
        let response = try all(format: format)
        #expect(response.status == 400)
        #expect(response.headers == ["content-type": "application/json", "vary": CORSHeaders.vary, "access-control-allow-credentials": "true"])
        #expect(response.bodyText == #"{"code":"BadFormat","message":"format param must be one of [`json`]. Got \#(format)"}"#)
    }

    @Test func badFormatIsNoticedOnlyAfterAMutationCommitted() throws {
        let mock = try InProcess(config: Self.config)
        let refused = try mock.post("/api/mutation", #"{"path":"messages:send","args":{"body":"kept"},"format":"xml"}"#)
        #expect(refused.status == 400)
        #expect(refused.bodyText == #"{"code":"BadFormat","message":"format param must be one of [`json`]. Got xml"}"#)
        #expect(mock.deployment.withStore { $0.list("messages").map(\.fields) } == [ConvexObject([("body", .string("kept"))])])
    }

    @Test func badFormatBeatsAFunctionError() throws {
        let response = try InProcess(config: Self.config).post("/api/query", #"{"path":"values:nope","args":{},"format":"xml"}"#)
        #expect(response.status == 400)
        #expect(response.bodyText == #"{"code":"BadFormat","message":"format param must be one of [`json`]. Got xml"}"#)
    }

    @Test func argumentsAreImportedFromEncodedJSONWhateverTheFormat() throws {
        let mock = try InProcess(config: Self.config)
        let args = #"{"i":{"$integer":"BQAAAAAAAAA="},"b":{"$bytes":"AQID"},"f":{"$float":"AAAAAAAA8P8="},"z":{"$float":"AAAAAAAAAAA="}}"#
        let encoded = try mock.post("/api/action", #"{"path":"values:echo","args":\#(args),"format":"convex_encoded_json"}"#)
        #expect(encoded.bodyText == #"{"status":"success","value":{"b":{"$bytes":"AQID"},"f":{"$float":"AAAAAAAA8P8="},"i":{"$integer":"BQAAAAAAAAA="},"z":0.0}}"#)
        let clean = try mock.post("/api/action", #"{"path":"values:echo","args":\#(args),"format":"json"}"#)
        #expect(clean.bodyText == #"{"status":"success","value":{"b":"AQID","f":"-Infinity","i":"5","z":0.0}}"#)
    }

    @Test func everyJSONNumberArrivesAsAFloat() throws {
        let response = try InProcess(config: Self.config).post("/api/action", #"{"path":"values:echo","args":{"a":1,"b":-0,"c":9007199254740993,"d":1e-6}}"#)
        #expect(response.bodyText == #"{"status":"success","value":{"a":1.0,"b":-0.0,"c":9007199254740992.0,"d":1e-6}}"#)
    }
}
