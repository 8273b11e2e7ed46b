import EventHTTP
@testable import MockConvex
import Testing

/// A deployment behind the control API's handlers, called in-process: the journal, faults and
/// `/_mock/` routes in front of the real admin and site handlers, on a real loop.
final class ControlInProcess {
    let mock: InProcess
    let control: ControlAPI
    private(set) lazy var admin = ObservedHandler(
        AdminHandler(deployment: mock.deployment, metrics: mock.metrics, loop: mock.loop), control: control,
        routes: ControlRoutes(control: control, loop: mock.loop), listener: "admin")
    private(set) lazy var site = ObservedHandler(
        SiteHandler(deployment: mock.deployment, metrics: mock.metrics, loop: mock.loop), control: control,
        routes: nil, listener: "site")

    enum Outcome: Equatable {
        case response(HTTPResponse)
        case aborted(ConnectionAbort)

        var response: HTTPResponse? {
            if case .response(let response) = self { return response }
            return nil
        }
    }

    init(config: String = "{}", options: ControlAPI.Options = ControlAPI.Options(),
         clock: @escaping @Sendable () -> Int64 = Deployment.unixSeconds) throws {
        mock = try InProcess(config: config, clock: clock)
        control = ControlAPI(deployment: mock.deployment, options: options)
    }

    /// Sends `request` and runs the loop until it is answered or aborted (at most 10 s).
    func send(_ request: HTTPRequest, to handler: any HTTPHandler) throws -> Outcome {
        var outcome: Outcome?
        let loop = mock.loop
        let responder = Responder(on: loop, { response in
            outcome = .response(response)
            loop.stop()
        }, aborted: { how in
            outcome = .aborted(how)
            loop.stop()
        })
        try handler.handle(request, responder)
        if outcome == nil {
            let deadline = loop.schedule(after: .seconds(10)) { loop.stop() }
            loop.run()
            deadline.cancel()
        }
        return try #require(outcome, "no answer within 10 s")
    }

    func admin(_ method: HTTPMethod, _ uri: String, headers: HTTPHeaders = [:], body: String = "") throws -> Outcome {
        try send(HTTPRequest(method: method, uri: uri, headers: headers, body: Array(body.utf8), listener: "admin"), to: admin)
    }

    func site(_ method: HTTPMethod, _ uri: String, headers: HTTPHeaders = [:], body: String = "") throws -> Outcome {
        try send(HTTPRequest(method: method, uri: uri, headers: headers, body: Array(body.utf8), listener: "site"), to: site)
    }

    /// A control route's answer (a control route never aborts).
    func call(_ method: HTTPMethod, _ uri: String, _ body: String = "", headers: HTTPHeaders = [:]) throws -> HTTPResponse {
        try #require(try admin(method, uri, headers: headers, body: body).response)
    }

    /// A function call through the admin API.
    func query(_ path: String, _ args: String = "{}") throws -> HTTPResponse {
        try #require(try admin(.POST, "/api/query", headers: ["Content-Type": "application/json"],
                               body: #"{"path":"\#(path)","args":\#(args),"format":"convex_encoded_json"}"#).response)
    }

    func mutation(_ path: String, _ args: String = "{}") throws -> HTTPResponse {
        try #require(try admin(.POST, "/api/mutation", headers: ["Content-Type": "application/json"],
                               body: #"{"path":"\#(path)","args":\#(args),"format":"convex_encoded_json"}"#).response)
    }
}
