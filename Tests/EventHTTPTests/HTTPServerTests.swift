import EventHTTP
import Foundation
import Testing
import TestSupport

private func fixedRouter(_ loop: EventLoop) -> any HTTPHandler {
    let router = Router()
    router.add(.GET, "/hello") { _, responder in
        responder.send(.text(200, "hello"))
    }
    router.add(.POST, "/echo") { request, responder in
        responder.send(HTTPResponse(status: 200, headers: ["Content-Type": request.headers["Content-Type"] ?? "none"], body: try request.body()))
    }
    router.add(nil, prefix: "/any/") { request, responder in
        responder.send(.text(200, "\(request.method.rawValue) \(request.path) \(request.query ?? "-")"))
    }
    router.add(.GET, "/later") { _, responder in
        loop.schedule(after: .milliseconds(20)) { responder.send(.text(200, "later")) }
    }
    router.add(.GET, "/never") { _, _ in }
    return router
}

@Suite(.timeLimit(.minutes(1))) struct HTTPServerTests {
    @Test func reportsItsRealPortAndAnswers() throws {
        try withServer([("main", fixedRouter)]) { server in
            let port = server.port("main")
            #expect(port > 0)
            let response = try RawHTTP.get("/hello", port: port)
            #expect(response.status == 200)
            #expect(response.header("Content-Type") == "text/plain; charset=utf-8")
            #expect(response.header("Content-Length") == "5")
            #expect(response.text == "hello")
        }
    }

    @Test func echoesBodiesAndPassesHeaders() throws {
        try withServer([("main", fixedRouter)]) { server in
            let response = try RawHTTP.send("POST", "/echo", port: server.port("main"),
                                            headers: [("Content-Type", "application/x-test")], body: Array("abc\u{0}def".utf8))
            #expect(response.status == 200)
            #expect(response.header("Content-Type") == "application/x-test")
            #expect(response.body == Array("abc\u{0}def".utf8))
        }
    }

    @Test func headIsRoutedAsGetWithoutABody() throws {
        try withServer([("main", fixedRouter)]) { server in
            let response = try RawHTTP.send("HEAD", "/hello", port: server.port("main"))
            #expect(response.status == 200)
            #expect(response.header("Content-Length") == "5")
            #expect(response.body.isEmpty)
        }
    }

    @Test func unknownPathIs404AndWrongMethodIs405() throws {
        try withServer([("main", fixedRouter)]) { server in
            let missing = try RawHTTP.get("/nope", port: server.port("main"))
            #expect(missing.status == 404)
            #expect(missing.body.isEmpty)
            #expect(missing.header("Content-Type") == nil)
            let wrong = try RawHTTP.send("DELETE", "/hello", port: server.port("main"))
            #expect(wrong.status == 405)
            #expect(wrong.header("Allow") == "GET")
        }
    }

    @Test func prefixRoutesTakeEveryMethodAndSeeTheQuery() throws {
        try withServer([("main", fixedRouter)]) { server in
            let response = try RawHTTP.send("PATCH", "/any/thing?x=1&y", port: server.port("main"))
            #expect(response.text == "PATCH /any/thing x=1&y")
        }
    }

    @Test func keepAliveServesSeveralRequestsOnOneConnection() throws {
        try withServer([("main", fixedRouter)]) { server in
            let port = server.port("main")
            let connection = try RawHTTP.Connection(port: port)
            for _ in 0..<3 {
                try connection.write(RawHTTP.request("GET", "/hello", port: port))
                let response = try connection.readResponse()
                #expect(response.text == "hello")
                #expect(response.header("Connection") == nil)
            }
        }
    }

    @Test func answersLaterFromATimerOnTheLoop() throws {
        try withServer([("main", fixedRouter)]) { server in
            let response = try RawHTTP.get("/later", port: server.port("main"))
            #expect(response.status == 200)
            #expect(response.text == "later")
        }
    }

    @Test func oversizedBodyGets413AndTheServerKeepsServing() throws {
        var settings = HTTPServerSettings()
        settings.maxBodyBytes = 1024
        try withServer([("main", fixedRouter)], settings: settings) { server in
            let port = server.port("main")
            let tooBig = try RawHTTP.send("POST", "/echo", port: port, body: [UInt8](repeating: 65, count: 4096))
            #expect(tooBig.status == 413)
            let fits = try RawHTTP.send("POST", "/echo", port: port, body: [UInt8](repeating: 65, count: 1024))
            #expect(fits.status == 200)
            #expect(fits.body.count == 1024)
        }
    }

    @Test func oversizedHeadIsRefusedAndTheServerKeepsServing() throws {
        var settings = HTTPServerSettings()
        settings.maxHeaderBytes = 2048
        try withServer([("main", fixedRouter)], settings: settings) { server in
            let port = server.port("main")
            let huge = try RawHTTP.send("GET", "/hello", port: port, headers: [("X-Filler", String(repeating: "a", count: 8192))])
            #expect(huge.status == 400)
            #expect(try RawHTTP.get("/hello", port: port).status == 200)
        }
    }

    @Test func aStalledClientIsClosedAfterTheConnectionTimeoutWhileOthersAreServed() throws {
        var settings = HTTPServerSettings()
        settings.connectionTimeout = .milliseconds(200)
        try withServer([("main", fixedRouter)], settings: settings) { server in
            let port = server.port("main")
            let stalled = try RawHTTP.Connection(port: port)
            try stalled.write("GET /hello HTTP/1.1\r\nHost: x\r\n")
            #expect(try RawHTTP.get("/hello", port: port).text == "hello")
            #expect(stalled.waitForClose())
        }
    }

    @Test func handlerThatNeverAnswersGetsTheTimeoutResponse() throws {
        var settings = HTTPServerSettings()
        settings.handlerTimeout = .milliseconds(100)
        settings.handlerTimeoutResponse = .text(408, "too slow")
        try withServer([("main", fixedRouter)], settings: settings) { server in
            let response = try RawHTTP.get("/never", port: server.port("main"))
            #expect(response.status == 408)
            #expect(response.text == "too slow")
        }
    }

    @Test func thrownErrorsBecomeResponses() throws {
        struct Teapot: HTTPResponseError { var response: HTTPResponse { .text(418, "short and stout") } }
        struct Other: Error {}
        let router: @Sendable (EventLoop) -> any HTTPHandler = { _ in
            let router = Router()
            router.add(.GET, "/teapot") { _, _ in throw Teapot() }
            router.add(.GET, "/other") { _, _ in throw Other() }
            router.internalError = .text(500, "internal")
            return router
        }
        try withServer([("main", router)]) { server in
            #expect(try RawHTTP.get("/teapot", port: server.port("main")).status == 418)
            let other = try RawHTTP.get("/other", port: server.port("main"))
            #expect(other.status == 500)
            #expect(other.text == "internal")
        }
    }

    @Test func accessLogSeesEveryAnsweredRequest() throws {
        let records = Guarded<[AccessRecord]>([])
        var settings = HTTPServerSettings()
        settings.accessLog = { record in records.withLock { $0.append(record) } }
        try withServer([("main", fixedRouter)], settings: settings) { server in
            _ = try RawHTTP.get("/hello?a=b", port: server.port("main"))
            _ = try RawHTTP.get("/nope", port: server.port("main"))
        }
        let seen = records.withLock { $0 }
        #expect(seen.map(\.uri) == ["/hello?a=b", "/nope"])
        #expect(seen.map(\.status) == [200, 404])
        #expect(seen.allSatisfy { $0.listener == "main" && $0.method == .GET })
    }
}
