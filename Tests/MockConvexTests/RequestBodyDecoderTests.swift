import Testing
@testable import MockConvex

/// A request body and what the backend makes of it: the decoded calls or the full
/// `BadJsonBody` message. Expectations were produced by the Rust oracle that replicates
/// axum 0.8.8's `Json::from_bytes` over serde_path_to_error 0.1.11 and serde_json 1.0.145
/// with the backend's real struct definitions.
struct RequestCase: Sendable, CustomTestStringConvertible {
    let body: [UInt8]
    let expected: Result<[UdfCallBody], RequestBodyError>

    init(_ body: [UInt8], decoded: [UdfCallBody]) {
        self.body = body
        expected = .success(decoded)
    }

    init(_ body: [UInt8], failure message: String) {
        self.body = body
        expected = .failure(RequestBodyError(message: message))
    }

    var testDescription: String { inputDescription(body) }
}

private func outcome(_ decode: () throws(RequestBodyError) -> [UdfCallBody]) -> Result<[UdfCallBody], RequestBodyError> {
    Result(catching: decode)
}

/// `UdfPostRequest` (`/api/query`, `/api/mutation`, `/api/action`).
private let udfPostRequestCases: [RequestCase] = [
    // Verified in the research notes
    RequestCase(bytes(""), failure: "Failed to parse the request body as JSON: EOF while parsing a value at line 1 column 0"),
    RequestCase(bytes("{"), failure: "Failed to parse the request body as JSON: EOF while parsing an object at line 1 column 1"),
    RequestCase(bytes("{}"), failure: "Failed to deserialize the JSON body into the target type: missing field `path` at line 1 column 2"),
    RequestCase(bytes(#"{"args":{}}"#), failure: "Failed to deserialize the JSON body into the target type: missing field `path` at line 1 column 11"),
    RequestCase(bytes(#"{"path":"a:b"}"#), failure: "Failed to deserialize the JSON body into the target type: missing field `args` at line 1 column 14"),
    RequestCase(bytes(#"{"path":1,"args":{}}"#), failure: "Failed to deserialize the JSON body into the target type: path: invalid type: integer `1`, expected a string at line 1 column 9"),
    RequestCase(bytes(#"{"path":"a:b","args":{},"format":5}"#), failure: "Failed to deserialize the JSON body into the target type: format: invalid type: integer `5`, expected a string at line 1 column 34"),
    RequestCase(bytes(#"{"path":"a:b","args":}"#), failure: "Failed to parse the request body as JSON: args: expected value at line 1 column 22"),
    RequestCase(bytes(#"{"path":"a:b","args":{x}}"#), failure: "Failed to parse the request body as JSON: args: key must be a string at line 1 column 23"),
    RequestCase(bytes(#"{"path":"a:b","args":{},}"#), failure: "Failed to parse the request body as JSON: trailing comma at line 1 column 25"),
    RequestCase(bytes(#"{"path":"a:b","args":{}} x"#), failure: "Failed to parse the request body as JSON: trailing characters at line 1 column 26"),
    RequestCase(bytes(#"{"path":"a:b","args":{},"path":"c"}"#), failure: "Failed to deserialize the JSON body into the target type: duplicate field `path` at line 1 column 30"),
    RequestCase(bytes(#""str""#), failure: #"Failed to deserialize the JSON body into the target type: invalid type: string "str", expected struct UdfPostRequest at line 1 column 5"#),
    RequestCase(bytes("null"), failure: "Failed to deserialize the JSON body into the target type: invalid type: null, expected struct UdfPostRequest at line 1 column 4"),
    RequestCase(bytes(#"["a:b",{}]"#), failure: "Failed to deserialize the JSON body into the target type: invalid length 2, expected struct UdfPostRequest with 3 elements at line 1 column 10"),
    RequestCase(bytes(#"["a:b",{},null]"#), decoded: [UdfCallBody(path: "a:b", args: bytes("{}"))]),
    RequestCase(bytes(#"{"path":"a:b","args":null}"#), decoded: [UdfCallBody(path: "a:b", args: bytes("null"))]),
    RequestCase(bytes(#"{"path":"a:b","args":{"n":1e400}}"#), decoded: [UdfCallBody(path: "a:b", args: bytes(#"{"n":1e400}"#))]),
    // Accepted shapes
    RequestCase(bytes("{\"path\":\"a:b\",\"args\":{}}\n\n"), decoded: [UdfCallBody(path: "a:b", args: bytes("{}"))]),
    RequestCase(bytes(" \t{ \"path\" : \"m:f\" , \"args\" :  [1, 2]  , \"format\" : \"json\" } "), decoded: [UdfCallBody(path: "m:f", args: bytes("[1, 2]"), format: "json")]),
    RequestCase(bytes(#"{"format":null,"args":{"x":[1,{"y":"z"}]},"path":"p"}"#), decoded: [UdfCallBody(path: "p", args: bytes(#"{"x":[1,{"y":"z"}]}"#))]),
    RequestCase(bytes(#"{"pa\u0074h":"a\/b","args":"\ud800"}"#), decoded: [UdfCallBody(path: "a/b", args: bytes(#""\ud800""#))]),
    RequestCase(bytes(#"{"path":"é","args":"é"}"#), decoded: [UdfCallBody(path: "é", args: bytes(#""é""#))]),
    RequestCase(bytes(#"{"path":"a","args":1,"format":"\ud83d\ude00"}"#), decoded: [UdfCallBody(path: "a", args: bytes("1"), format: "😀")]),
    RequestCase(bytes(#"{"path":"a","args":1,"extra":[1,{"x":null}],"more":""#) + [0xFF] + bytes(#""}"#), decoded: [UdfCallBody(path: "a", args: bytes("1"))]),
    RequestCase(bytes(#"{"path":"a","args":1,"x":"\udc00"}"#), decoded: [UdfCallBody(path: "a", args: bytes("1"))]),
    RequestCase(bytes(#"["a",{"b":[]},"json"]"#), decoded: [UdfCallBody(path: "a", args: bytes(#"{"b":[]}"#), format: "json")]),
    // Wrong types
    RequestCase(bytes(#"{"path":-1,"args":{}}"#), failure: "Failed to deserialize the JSON body into the target type: path: invalid type: integer `-1`, expected a string at line 1 column 10"),
    RequestCase(bytes(#"{"path":1.5,"args":{}}"#), failure: "Failed to deserialize the JSON body into the target type: path: invalid type: floating point `1.5`, expected a string at line 1 column 11"),
    RequestCase(bytes(#"{"path":-0,"args":{}}"#), failure: "Failed to deserialize the JSON body into the target type: path: invalid type: floating point `-0.0`, expected a string at line 1 column 10"),
    RequestCase(bytes(#"{"path":1e300,"args":{}}"#), failure: "Failed to deserialize the JSON body into the target type: path: invalid type: floating point `1e300`, expected a string at line 1 column 13"),
    RequestCase(bytes(#"{"path":-9223372036854775809,"args":{}}"#), failure: "Failed to deserialize the JSON body into the target type: path: invalid type: floating point `-9.223372036854776e18`, expected a string at line 1 column 28"),
    RequestCase(bytes(#"{"path":18446744073709551616,"args":{}}"#), failure: "Failed to deserialize the JSON body into the target type: path: invalid type: floating point `1.8446744073709552e19`, expected a string at line 1 column 28"),
    RequestCase(bytes(#"{"path":true}"#), failure: "Failed to deserialize the JSON body into the target type: path: invalid type: boolean `true`, expected a string at line 1 column 12"),
    RequestCase(bytes(#"{"path":false}"#), failure: "Failed to deserialize the JSON body into the target type: path: invalid type: boolean `false`, expected a string at line 1 column 13"),
    RequestCase(bytes(#"{"path":null}"#), failure: "Failed to deserialize the JSON body into the target type: path: invalid type: null, expected a string at line 1 column 12"),
    RequestCase(bytes(#"{"path":[]}"#), failure: "Failed to deserialize the JSON body into the target type: path: invalid type: sequence, expected a string at line 1 column 8"),
    RequestCase(bytes(#"{"path":{}}"#), failure: "Failed to deserialize the JSON body into the target type: path: invalid type: map, expected a string at line 1 column 8"),
    RequestCase(bytes(#"{"path":"a","args":1,"format":[]}"#), failure: "Failed to deserialize the JSON body into the target type: format: invalid type: sequence, expected a string at line 1 column 30"),
    RequestCase(bytes(#"{"path":"a","args":1,"format":{"a":1}}"#), failure: "Failed to deserialize the JSON body into the target type: format: invalid type: map, expected a string at line 1 column 30"),
    RequestCase(bytes(#"{"path":"a","args":1,"format":-5e-5}"#), failure: "Failed to deserialize the JSON body into the target type: format: invalid type: floating point `-0.00005`, expected a string at line 1 column 35"),
    RequestCase(bytes("true"), failure: "Failed to deserialize the JSON body into the target type: invalid type: boolean `true`, expected struct UdfPostRequest at line 1 column 4"),
    RequestCase(bytes("12"), failure: "Failed to deserialize the JSON body into the target type: invalid type: integer `12`, expected struct UdfPostRequest at line 1 column 2"),
    RequestCase(bytes("-3"), failure: "Failed to deserialize the JSON body into the target type: invalid type: integer `-3`, expected struct UdfPostRequest at line 1 column 2"),
    RequestCase(bytes("0.5"), failure: "Failed to deserialize the JSON body into the target type: invalid type: floating point `0.5`, expected struct UdfPostRequest at line 1 column 3"),
    RequestCase(bytes(#""a\u00e9\u0301\u007f\n\"x""#), failure: #"Failed to deserialize the JSON body into the target type: invalid type: string "aé\u{301}\u{7f}\n\"x", expected struct UdfPostRequest at line 1 column 26"#),
    RequestCase(bytes(#""\u00a0\u200b\t\u0000""#), failure: #"Failed to deserialize the JSON body into the target type: invalid type: string "\u{a0}\u{200b}\t\0", expected struct UdfPostRequest at line 1 column 22"#),
    RequestCase(bytes("[1,{},null]"), failure: "Failed to deserialize the JSON body into the target type: [0]: invalid type: integer `1`, expected a string at line 1 column 2"),
    RequestCase(bytes(#"["a",{},5]"#), failure: "Failed to deserialize the JSON body into the target type: [2]: invalid type: integer `5`, expected a string at line 1 column 9"),
    // Missing, duplicate and unknown fields
    RequestCase(bytes(#"{"args":1,"format":null}"#), failure: "Failed to deserialize the JSON body into the target type: missing field `path` at line 1 column 24"),
    RequestCase(bytes(#"{"path":"a","format":"json"}"#), failure: "Failed to deserialize the JSON body into the target type: missing field `args` at line 1 column 28"),
    RequestCase(bytes(#"{"format":null,"format":null,"path":"a","args":1}"#), failure: "Failed to deserialize the JSON body into the target type: duplicate field `format` at line 1 column 23"),
    RequestCase(bytes(#"{"path":"a","args":1,"args":2}"#), failure: "Failed to deserialize the JSON body into the target type: duplicate field `args` at line 1 column 27"),
    RequestCase(bytes(#"{"path":"a", "path" : 1}"#), failure: "Failed to deserialize the JSON body into the target type: duplicate field `path` at line 1 column 20"),
    RequestCase(bytes(#"{"path":"a","args":1,"x":1,"x":2}"#), decoded: [UdfCallBody(path: "a", args: bytes("1"))]),
    RequestCase(bytes(#"{"path":"a","args":1,"x":[1 2]}"#), failure: "Failed to parse the request body as JSON: x: expected `,` or `]` at line 1 column 29"),
    RequestCase(bytes(#"{"path":"a","args":1,"x y.z":{"a" 1}}"#), failure: "Failed to parse the request body as JSON: x y.z: expected `:` at line 1 column 35"),
    RequestCase(bytes("{\"path\":\"a\",\"args\":1,\"x\":\"\u{1}\"}"), failure: #"Failed to parse the request body as JSON: x: control character (\u0000-\u001F) found while parsing a string at line 1 column 26"#),
    RequestCase(bytes(#"{"path":"a","args":1,"x":"\q"}"#), failure: "Failed to parse the request body as JSON: x: invalid escape at line 1 column 28"),
    RequestCase(bytes(#"{"path":"a","args":1,"x":01}"#), failure: "Failed to parse the request body as JSON: x: invalid number at line 1 column 27"),
    RequestCase(bytes(#"{"path":"a","args":1,"x":1e400}"#), decoded: [UdfCallBody(path: "a", args: bytes("1"))]),
    // Array form
    RequestCase(bytes("[]"), failure: "Failed to deserialize the JSON body into the target type: invalid length 0, expected struct UdfPostRequest with 3 elements at line 1 column 2"),
    RequestCase(bytes(#"["a"]"#), failure: "Failed to deserialize the JSON body into the target type: invalid length 1, expected struct UdfPostRequest with 3 elements at line 1 column 5"),
    RequestCase(bytes(#"["a",{},null,]"#), failure: "Failed to parse the request body as JSON: trailing comma at line 1 column 14"),
    RequestCase(bytes(#"["a",{},null,1]"#), failure: "Failed to parse the request body as JSON: trailing characters at line 1 column 14"),
    RequestCase(bytes(#"["a",{},null"#), failure: "Failed to parse the request body as JSON: EOF while parsing a list at line 1 column 12"),
    RequestCase(bytes(#"["a" {},null]"#), failure: "Failed to parse the request body as JSON: expected `,` or `]` at line 1 column 6"),
    RequestCase(bytes(#"["a",,{}]"#), failure: "Failed to parse the request body as JSON: [1]: expected value at line 1 column 6"),
    RequestCase(bytes(#"["a",]"#), failure: "Failed to parse the request body as JSON: trailing comma at line 1 column 6"),
    RequestCase(bytes("["), failure: "Failed to parse the request body as JSON: EOF while parsing a list at line 1 column 1"),
    RequestCase(bytes(#"["a",{} ]"#), failure: "Failed to deserialize the JSON body into the target type: invalid length 2, expected struct UdfPostRequest with 3 elements at line 1 column 9"),
    RequestCase(bytes(#"["a",[1 2],null]"#), failure: "Failed to parse the request body as JSON: [1]: expected `,` or `]` at line 1 column 9"),
    // Syntax inside fields
    RequestCase(bytes(#"{"path":nul}"#), failure: "Failed to parse the request body as JSON: path: expected ident at line 1 column 12"),
    RequestCase(bytes(#"{"path":"a","args":1,"format":nulx}"#), failure: "Failed to parse the request body as JSON: format: expected ident at line 1 column 34"),
    RequestCase(bytes(#"{"path":x}"#), failure: "Failed to parse the request body as JSON: path: expected value at line 1 column 9"),
    RequestCase(bytes(#"{"path":"#), failure: "Failed to parse the request body as JSON: path: EOF while parsing a value at line 1 column 8"),
    RequestCase(bytes(#"{"path""#), failure: "Failed to parse the request body as JSON: EOF while parsing an object at line 1 column 7"),
    RequestCase(bytes(#"{"path" "a"}"#), failure: "Failed to parse the request body as JSON: expected `:` at line 1 column 9"),
    RequestCase(bytes(#"{"path":"a"#) + [0xFF] + bytes(#"","args":1}"#), failure: "Failed to parse the request body as JSON: path: invalid unicode code point at line 1 column 12"),
    RequestCase(bytes("{\"path\":\"a\u{1}\",\"args\":1}"), failure: #"Failed to parse the request body as JSON: path: control character (\u0000-\u001F) found while parsing a string at line 1 column 11"#),
    RequestCase(bytes(#"{"path":"\ud800","args":1}"#), failure: "Failed to parse the request body as JSON: path: unexpected end of hex escape at line 1 column 16"),
    RequestCase(bytes(#"{"path":"a","args":""#) + [0xFF] + bytes(#""}"#), failure: "Failed to parse the request body as JSON: args: invalid unicode code point at line 1 column 22"),
    RequestCase(bytes(#"{"path":"a","args":[""#) + [0xFF] + bytes(#"",1 2]}"#), failure: "Failed to parse the request body as JSON: args: expected `,` or `]` at line 1 column 27"),
    RequestCase(bytes(#"{"path":"a","args":[1,]}"#), failure: "Failed to parse the request body as JSON: args: expected value at line 1 column 23"),
    RequestCase(bytes(#"{"path":"a","args":{"b":1,}}"#), failure: "Failed to parse the request body as JSON: args: key must be a string at line 1 column 27"),
    RequestCase(bytes(#"{"path":"a","args":-}"#), failure: "Failed to parse the request body as JSON: args: invalid number at line 1 column 21"),
    RequestCase(bytes(#"{"path":"a","args":1.}"#), failure: "Failed to parse the request body as JSON: args: invalid number at line 1 column 22"),
    RequestCase(bytes(#"{"path":"a","args":"\x"}"#), failure: "Failed to parse the request body as JSON: args: invalid escape at line 1 column 22"),
    RequestCase(bytes("{\"path\":\"a\",\"args\":\"\u{1}\"}"), failure: #"Failed to parse the request body as JSON: args: control character (\u0000-\u001F) found while parsing a string at line 1 column 20"#),
    // Keys
    RequestCase(bytes(#"{"pa\x":"a"}"#), failure: "Failed to parse the request body as JSON: invalid escape at line 1 column 6"),
    RequestCase(bytes(#"{"path"#) + [0xFF] + bytes(#"":"a"}"#), failure: "Failed to parse the request body as JSON: invalid unicode code point at line 1 column 8"),
    RequestCase(bytes("{1:2}"), failure: "Failed to parse the request body as JSON: key must be a string at line 1 column 2"),
    RequestCase(bytes(#"{"path":"a","args":1 "format":null}"#), failure: "Failed to parse the request body as JSON: expected `,` or `}` at line 1 column 22"),
    RequestCase(bytes(#"{"path":"a","args":1,,}"#), failure: "Failed to parse the request body as JSON: key must be a string at line 1 column 22"),
    RequestCase(bytes(#"{"path":"a","args":1,"format"}"#), failure: "Failed to parse the request body as JSON: expected `:` at line 1 column 30"),
    RequestCase(bytes(#"{"path":"a","args":1,"#), failure: "Failed to parse the request body as JSON: EOF while parsing a value at line 1 column 21"),
    // Positions on several lines
    RequestCase(bytes("{\n  \"path\": 5\n}"), failure: "Failed to deserialize the JSON body into the target type: path: invalid type: integer `5`, expected a string at line 2 column 11"),
    RequestCase(bytes("{\n  \"path\": \"x\",\n  \"args\": {\n    \"a\": [1,\n  2,]\n  }\n}"), failure: "Failed to parse the request body as JSON: args: expected value at line 5 column 5"),
    RequestCase(bytes("\n\n{}"), failure: "Failed to deserialize the JSON body into the target type: missing field `path` at line 3 column 2"),
    RequestCase(bytes("{\n  \"path\": \"x\",\n  \"args\": {}\n}\n\nx"), failure: "Failed to parse the request body as JSON: trailing characters at line 6 column 1"),
    RequestCase(bytes("{\r\n\"path\":\"a\",\r\n\"args\":1,\r\n\"path\":\"b\"}"), failure: "Failed to deserialize the JSON body into the target type: duplicate field `path` at line 4 column 6"),
]

private let udfPostRequestWithComponentCases: [RequestCase] = [
    // UdfPostRequestWithComponent
    RequestCase(bytes("{}"), failure: "Failed to deserialize the JSON body into the target type: missing field `path` at line 1 column 2"),
    RequestCase(bytes(#"{"path":"a","args":1}"#), decoded: [UdfCallBody(path: "a", args: bytes("1"))]),
    RequestCase(bytes(#"{"componentPath":"c/d","path":"a","args":1,"format":"json"}"#), decoded: [UdfCallBody(componentPath: "c/d", path: "a", args: bytes("1"), format: "json")]),
    RequestCase(bytes(#"{"componentPath":null,"path":"a","args":1}"#), decoded: [UdfCallBody(path: "a", args: bytes("1"))]),
    RequestCase(bytes(#"{"componentPath":5,"path":"a","args":1}"#), failure: "Failed to deserialize the JSON body into the target type: componentPath: invalid type: integer `5`, expected a string at line 1 column 18"),
    RequestCase(bytes(#"{"component_path":"c","path":"a","args":1}"#), decoded: [UdfCallBody(path: "a", args: bytes("1"))]),
    RequestCase(bytes(#"{"componentPath":null,"componentPath":"x","path":"a","args":1}"#), failure: "Failed to deserialize the JSON body into the target type: duplicate field `componentPath` at line 1 column 37"),
    RequestCase(bytes(#"["c","a",{},null]"#), decoded: [UdfCallBody(componentPath: "c", path: "a", args: bytes("{}"))]),
    RequestCase(bytes(#"["a",{},null]"#), failure: "Failed to deserialize the JSON body into the target type: [1]: invalid type: map, expected a string at line 1 column 5"),
    RequestCase(bytes(#"[null,"a",1,null]"#), decoded: [UdfCallBody(path: "a", args: bytes("1"))]),
    RequestCase(bytes("null"), failure: "Failed to deserialize the JSON body into the target type: invalid type: null, expected struct UdfPostRequestWithComponent at line 1 column 4"),
    RequestCase(bytes(#"{"componentPath":"c","args":1}"#), failure: "Failed to deserialize the JSON body into the target type: missing field `path` at line 1 column 30"),
]

private let udfPostRequestArgsOnlyCases: [RequestCase] = [
    // UdfPostRequestArgsOnly
    RequestCase(bytes("{}"), failure: "Failed to deserialize the JSON body into the target type: missing field `args` at line 1 column 2"),
    RequestCase(bytes(#"{"args":{},"format":[]}"#), failure: "Failed to deserialize the JSON body into the target type: format: invalid type: sequence, expected a string at line 1 column 20"),
    RequestCase(bytes(#"{"args":{"a":1}}"#), decoded: [UdfCallBody(path: "", args: bytes(#"{"a":1}"#))]),
    RequestCase(bytes(#"{"args":[1,2],"format":"json"}"#), decoded: [UdfCallBody(path: "", args: bytes("[1,2]"), format: "json")]),
    RequestCase(bytes(#"{"args":null,"path":5}"#), decoded: [UdfCallBody(path: "", args: bytes("null"))]),
    RequestCase(bytes(#"{"format":null}"#), failure: "Failed to deserialize the JSON body into the target type: missing field `args` at line 1 column 15"),
    RequestCase(bytes("[{}]"), failure: "Failed to deserialize the JSON body into the target type: invalid length 1, expected struct UdfPostRequestArgsOnly with 2 elements at line 1 column 4"),
    RequestCase(bytes("[{},null]"), decoded: [UdfCallBody(path: "", args: bytes("{}"))]),
    RequestCase(bytes("[{},null,1]"), failure: "Failed to parse the request body as JSON: trailing characters at line 1 column 10"),
    RequestCase(bytes(#""x""#), failure: #"Failed to deserialize the JSON body into the target type: invalid type: string "x", expected struct UdfPostRequestArgsOnly at line 1 column 3"#),
    RequestCase(bytes(#"{"args":{},"args":{}}"#), failure: "Failed to deserialize the JSON body into the target type: duplicate field `args` at line 1 column 17"),
    RequestCase(bytes(#"{"args": 5 }"#), decoded: [UdfCallBody(path: "", args: bytes("5"))]),
]

private let queryBatchArgsCases: [RequestCase] = [
    // Verified in the research notes
    RequestCase(bytes("{}"), failure: "Failed to deserialize the JSON body into the target type: missing field `queries` at line 1 column 2"),
    RequestCase(bytes(#"{"queries":{}}"#), failure: "Failed to deserialize the JSON body into the target type: queries: invalid type: map, expected a sequence at line 1 column 11"),
    RequestCase(bytes(#"{"queries":[{"args":{}}]}"#), failure: "Failed to deserialize the JSON body into the target type: queries[0]: missing field `path` at line 1 column 23"),
    RequestCase(bytes(#"{"queries":[{"path":"a","args":{}},{"path":2,"args":{}}]}"#), failure: "Failed to deserialize the JSON body into the target type: queries[1].path: invalid type: integer `2`, expected a string at line 1 column 44"),
    // QueryBatchArgs
    RequestCase(bytes(#"{"queries":[]}"#), decoded: []),
    RequestCase(bytes(#"{"queries":[{"path":"a","args":1},{"path":"b","args":[2],"format":"json"}]}"#), decoded: [UdfCallBody(path: "a", args: bytes("1")), UdfCallBody(path: "b", args: bytes("[2]"), format: "json")]),
    RequestCase(bytes(#"{"queries":null}"#), failure: "Failed to deserialize the JSON body into the target type: queries: invalid type: null, expected a sequence at line 1 column 15"),
    RequestCase(bytes(#"{"queries":"x"}"#), failure: #"Failed to deserialize the JSON body into the target type: queries: invalid type: string "x", expected a sequence at line 1 column 14"#),
    RequestCase(bytes(#"{"queries":5}"#), failure: "Failed to deserialize the JSON body into the target type: queries: invalid type: integer `5`, expected a sequence at line 1 column 12"),
    RequestCase(bytes(#"{"queries":[1]}"#), failure: "Failed to deserialize the JSON body into the target type: queries[0]: invalid type: integer `1`, expected struct UdfPostRequest at line 1 column 13"),
    RequestCase(bytes(#"{"queries":["s"]}"#), failure: #"Failed to deserialize the JSON body into the target type: queries[0]: invalid type: string "s", expected struct UdfPostRequest at line 1 column 15"#),
    RequestCase(bytes(#"{"queries":[null]}"#), failure: "Failed to deserialize the JSON body into the target type: queries[0]: invalid type: null, expected struct UdfPostRequest at line 1 column 16"),
    RequestCase(bytes(#"{"queries":[{"path":"a","args":{}} {"path":"b"}]}"#), failure: "Failed to parse the request body as JSON: queries: expected `,` or `]` at line 1 column 36"),
    RequestCase(bytes(#"{"queries":[{"path":"a","args":{}},]}"#), failure: "Failed to parse the request body as JSON: queries: trailing comma at line 1 column 36"),
    RequestCase(bytes(#"{"queries":[{"path":"a","args":{}},"#), failure: "Failed to parse the request body as JSON: queries: EOF while parsing a value at line 1 column 35"),
    RequestCase(bytes(#"{"queries":[{"path":"a","args":{}}"#), failure: "Failed to parse the request body as JSON: queries: EOF while parsing a list at line 1 column 34"),
    RequestCase(bytes(#"{"queries":["#), failure: "Failed to parse the request body as JSON: queries: EOF while parsing a list at line 1 column 12"),
    RequestCase(bytes(#"{"queries":[{"path":"a","args":{},}]}"#), failure: "Failed to parse the request body as JSON: queries[0].?: trailing comma at line 1 column 35"),
    RequestCase(bytes(#"{"queries":[{"path":"a","args":{} x}]}"#), failure: "Failed to parse the request body as JSON: queries[0].?: expected `,` or `}` at line 1 column 35"),
    RequestCase(bytes(#"{"queries":[{"pa\x":1}]}"#), failure: "Failed to parse the request body as JSON: queries[0].?: invalid escape at line 1 column 18"),
    RequestCase(bytes(#"{"queries":[["a",{},null,1]]}"#), failure: "Failed to parse the request body as JSON: queries[0]: trailing characters at line 1 column 26"),
    RequestCase(bytes(#"{"queries":[["a",{}]]}"#), failure: "Failed to deserialize the JSON body into the target type: queries[0]: invalid length 2, expected struct UdfPostRequest with 3 elements at line 1 column 20"),
    RequestCase(bytes(#"{"queries":[{"path":"a","args":{},"path":"b"}]}"#), failure: "Failed to deserialize the JSON body into the target type: queries[0]: duplicate field `path` at line 1 column 40"),
    RequestCase(bytes(#"{"queries":[{"path":"a","args":{},"format":5}]}"#), failure: "Failed to deserialize the JSON body into the target type: queries[0].format: invalid type: integer `5`, expected a string at line 1 column 44"),
    RequestCase(bytes(#"{"queries":[{"path":"a","args":{"x":[1 2]}}]}"#), failure: "Failed to parse the request body as JSON: queries[0].args: expected `,` or `]` at line 1 column 40"),
    RequestCase(bytes(#"{"queries":[{"path":"a","args":{},"u":[1 2]}]}"#), failure: "Failed to parse the request body as JSON: queries[0].u: expected `,` or `]` at line 1 column 42"),
    RequestCase(bytes(#"{"queries":[],"queries":[]}"#), failure: "Failed to deserialize the JSON body into the target type: duplicate field `queries` at line 1 column 23"),
    RequestCase(bytes("[]"), failure: "Failed to deserialize the JSON body into the target type: invalid length 0, expected struct QueryBatchArgs with 1 element at line 1 column 2"),
    RequestCase(bytes("[[]]"), decoded: []),
    RequestCase(bytes(#"[[["a",{},null]]]"#), decoded: [UdfCallBody(path: "a", args: bytes("{}"))]),
    RequestCase(bytes("[[],1]"), failure: "Failed to parse the request body as JSON: trailing characters at line 1 column 5"),
    RequestCase(bytes(#"{"queries":[{"path":"a","args":1}],"x":1}"#), decoded: [UdfCallBody(path: "a", args: bytes("1"))]),
    RequestCase(bytes(#"{"queries":[{"path":"a","args":1}]} x"#), failure: "Failed to parse the request body as JSON: trailing characters at line 1 column 37"),
    RequestCase(bytes(#"{"queries":[{"path":"a","args":""#) + [0xFF] + bytes(#""}]}"#), failure: "Failed to parse the request body as JSON: queries[0].args: invalid unicode code point at line 1 column 34"),
    RequestCase(bytes(#"{"queries":[{}]}"#), failure: "Failed to deserialize the JSON body into the target type: queries[0]: missing field `path` at line 1 column 14"),
    RequestCase(bytes(#"{"queries":[{"path":"a","args":1},{"path":"b","args":2},{"path":"c","format":"json"}]}"#), failure: "Failed to deserialize the JSON body into the target type: queries[2]: missing field `args` at line 1 column 84"),

]

@Suite(.timeLimit(.minutes(1))) struct RequestBodyDecoderTests {
    @Test(arguments: udfPostRequestCases)
    func udfPostRequest(_ testCase: RequestCase) {
        #expect(outcome { () throws(RequestBodyError) in [try RequestBodyDecoder.udfPostRequest(testCase.body)] } == testCase.expected)
    }

    @Test(arguments: udfPostRequestWithComponentCases)
    func udfPostRequestWithComponent(_ testCase: RequestCase) {
        #expect(outcome { () throws(RequestBodyError) in [try RequestBodyDecoder.udfPostRequestWithComponent(testCase.body)] }
            == testCase.expected)
    }

    @Test(arguments: udfPostRequestArgsOnlyCases)
    func udfPostRequestArgsOnly(_ testCase: RequestCase) {
        #expect(outcome { () throws(RequestBodyError) in [try RequestBodyDecoder.udfPostRequestArgsOnly(testCase.body)] }
            == testCase.expected)
    }

    @Test(arguments: queryBatchArgsCases)
    func queryBatchArgs(_ testCase: RequestCase) {
        #expect(outcome { () throws(RequestBodyError) in try RequestBodyDecoder.queryBatchArgs(testCase.body) } == testCase.expected)
    }

    /// `args` is a RawValue: any depth is accepted and its text is kept as sent.
    @Test func keepsDeeplyNestedArgsVerbatim() throws {
        let args = String(repeating: "[", count: 50_000) + String(repeating: "]", count: 50_000)
        let call = try RequestBodyDecoder.udfPostRequest(bytes(#"{"path":"a","args":"# + args + "}"))
        #expect(call.args == bytes(args))
    }

    /// Unknown fields are skipped with the same stack-based skipper.
    @Test func skipsDeeplyNestedUnknownFields() throws {
        let nested = String(repeating: #"{"a":"#, count: 20_000) + "1" + String(repeating: "}", count: 20_000)
        let call = try RequestBodyDecoder.udfPostRequest(bytes(#"{"x":"# + nested + #","path":"p","args":{}}"#))
        #expect(call == UdfCallBody(path: "p", args: bytes("{}")))
    }
}
