import FuzzDriver
import EventHTTP
@testable import MockConvex

/// One deployment and admin handler for the whole run, as a server keeps them.
nonisolated(unsafe) let loop = try! EventLoop()
let deployment = Deployment(
    settings: DeploymentSettings(instanceSecret: String(repeating: "ab", count: 32), adminKey: "convex-self-hosted|01fuzz"),
    config: try! DeploymentConfig.parse(Array(#"{"functions": {"m:send": {"type": "mutation", "insert": "m"}, "m:list": {"type": "query", "list": "m"}, "m:get": {"type": "query", "get": "m"}}, "httpRoutes": [{"method": "GET", "pathPrefix": "/h/", "body": "h"}]}"#.utf8)))
nonisolated(unsafe) let handler = AdminHandler(deployment: deployment, metrics: RequestMetrics(), loop: loop)

/// Input: a method byte, then the target up to the first newline, then headers as `name:value`
/// lines up to an empty line, then the body.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRouter(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let first = bytes.first else { return 0 }
    let method = HTTPMethod.allCases[Int(first) % HTTPMethod.allCases.count]
    let text = String(decoding: bytes.dropFirst(), as: UTF8.self)
    let parts = text.split(separator: "\n\n", maxSplits: 1, omittingEmptySubsequences: false)
    var lines = parts[0].split(separator: "\n", omittingEmptySubsequences: false)
    let target = lines.isEmpty ? "/" : "/" + lines.removeFirst()
    var headers = HTTPHeaders()
    for line in lines {
        let field = line.split(separator: ":", maxSplits: 1)
        if field.count == 2 { headers.add(String(field[0]), String(field[1])) }
    }
    let body = parts.count > 1 ? Array(parts[1].utf8) : []
    let request = HTTPRequest(method: method, uri: target, headers: headers, body: body, listener: "admin")
    let responder = Responder { response in
        guard (100...599).contains(response.status) else { fatalError("status \(response.status) for \(target)") }
    }
    do {
        try handler.handle(request, responder)
    } catch is HTTPResponseError {
        // Answered by the server from the error, as in dispatch.
    } catch {
        fatalError("\(target) threw \(error), which the server would answer 500")
    }
    return 0
}

@_cdecl("FuzzRouter_main")
func fuzzRouterMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzRouter)
}
