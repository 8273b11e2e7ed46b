import EventHTTP
import Foundation
import Testing
import TestSupport

/// A TCP peer that accepts one connection, reads the request head and then does `behave`.
private func withRawPeer(_ behave: @escaping @Sendable (Int32) -> Void, _ body: (Int) throws -> Void) throws {
    let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            _ = bind(listener, $0, length)
            _ = getsockname(listener, $0, &length)
        }
    }
    listen(listener, 4)
    let port = Int(UInt16(bigEndian: address.sin_port))
    let served = Thread {
        let fd = accept(listener, nil, nil)
        guard fd >= 0 else { return }
        var byte: UInt8 = 0
        var seen: [UInt8] = []
        while recv(fd, &byte, 1, 0) == 1 {
            seen.append(byte)
            if seen.suffix(4) == [13, 10, 13, 10] { break }
        }
        behave(fd)
    }
    served.start()
    defer { close(listener) }
    try body(port)
}

@Suite(.timeLimit(.minutes(2))) struct HTTPClientTests {
    @Test func fetchesFromOurOwnServer() throws {
        let router: @Sendable (EventLoop) -> any HTTPHandler = { _ in
            HandlerFunction { request, responder in
                responder.send(HTTPResponse(status: 201, headers: ["X-Seen-Host": request.headers["Host"] ?? "", "X-Method": request.method.rawValue], body: try request.body()))
            }
        }
        try withServer([("main", router)]) { server in
            let port = server.port("main")
            let result = try fetch(.POST, "http://127.0.0.1:\(port)/x?y=1", headers: ["Content-Type": "text/plain"], body: Array("ping".utf8))
            let response = try result.get()
            #expect(response.status == 201)
            #expect(response.headers["X-Seen-Host"] == "127.0.0.1:\(port)")
            #expect(response.headers["X-Method"] == "POST")
            #expect(response.body == Array("ping".utf8))

            let byName = try fetch(.GET, "http://localhost:\(port)/")
            #expect(try byName.get().status == 201)
        }
    }

    @Test func aClosedPortIsConnectionRefused() throws {
        let closed = try withServer([("main", { _ in HandlerFunction { _, r in r.send(.text(200, "")) } })]) { $0.port("main") }
        let error = try #require(failure(try fetch(.GET, "http://127.0.0.1:\(closed)/version")))
        #expect(error.kind == .connectFailed)
        #expect(error.code == "ECONNREFUSED")
        #expect(error.address == "127.0.0.1:\(closed)")
        #expect("\(error)" == "connect ECONNREFUSED 127.0.0.1:\(closed)")
    }

    @Test func aServerThatNeverAnswersTimesOut() throws {
        let router: @Sendable (EventLoop) -> any HTTPHandler = { _ in HandlerFunction { _, _ in } }
        try withServer([("main", router)], grace: .milliseconds(50)) { server in
            let error = try #require(failure(try fetch(.GET, "http://127.0.0.1:\(server.port("main"))/", timeout: .milliseconds(200))))
            #expect(error.kind == .timedOut)
        }
    }

    @Test func aPeerThatClosesWithoutAnsweringIsASocketHangUp() throws {
        try withRawPeer({ close($0) }) { port in
            let error = try #require(failure(try fetch(.GET, "http://127.0.0.1:\(port)/")))
            #expect(error.kind == .closedWithoutResponse)
            #expect("\(error)" == "socket hang up")
        }
    }

    @Test func aPeerThatResetsIsECONNRESET() throws {
        try withRawPeer({ fd in
            var abort = linger(l_onoff: 1, l_linger: 0)
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort, socklen_t(MemoryLayout<linger>.size))
            close(fd)
        }) { port in
            let error = try #require(failure(try fetch(.GET, "http://127.0.0.1:\(port)/")))
            #expect(error.kind == .reset)
            #expect(error.code == "ECONNRESET")
        }
    }

    @Test func aBodyPastTheBoundIsAnInvalidResponse() throws {
        let answer: @Sendable (Int32) -> Void = { fd in
            let response = Array(("HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n" + String(repeating: "x", count: 2000)).utf8)
            _ = send(fd, response, response.count, 0)
            close(fd)
        }
        try withRawPeer(answer) { port in
            let error = try #require(failure(try fetch(.GET, "http://127.0.0.1:\(port)/", maxResponseBytes: 100)))
            #expect(error.kind == .invalidResponse)
        }
        try withRawPeer(answer) { port in
            let response = try fetch(.GET, "http://127.0.0.1:\(port)/", maxResponseBytes: 2000).get()
            #expect(response.body.count == 2000)
        }
    }

    @Test func aPeerThatSendsGarbageIsAnInvalidResponse() throws {
        try withRawPeer({ fd in
            let garbage = Array("\u{1}\u{2}NOT HTTP AT ALL\r\n\r\n".utf8)
            _ = send(fd, garbage, garbage.count, 0)
            close(fd)
        }) { port in
            let error = try #require(failure(try fetch(.GET, "http://127.0.0.1:\(port)/")))
            #expect(error.kind == .invalidResponse)
        }
    }

    @Test func urlsThatAreNotHTTPAreRefusedUpFront() throws {
        let error = try #require(failure(try fetch(.GET, "ftp://127.0.0.1/")))
        #expect(error.kind == .invalidURL)
    }

    /// RFC 6761 §6.4: no nameserver is asked about `.invalid`, so this answers at once even on a
    /// machine whose nameserver is unreachable.
    @Test(arguments: ["nonexistent-host.invalid", "INVALID", "deep.name.Invalid."])
    func aReservedInvalidNameIsENOTFOUNDAtOnce(_ host: String) throws {
        let started = ContinuousClock.now
        let error = try #require(failure(try fetch(.GET, "http://\(host):3210/version", timeout: .seconds(30))))
        #expect(ContinuousClock.now - started < .seconds(2))
        #expect(error.kind == .resolveFailed)
        #expect(error.code == "ENOTFOUND")
        #expect("\(error)" == "getaddrinfo ENOTFOUND \(host)")
    }

    @Test func theCompletionNeverRunsInsideSend() throws {
        let thread = try EventLoopThread(running: EventLoop())
        defer { thread.execute { $0.stop() }; thread.join() }
        let order = Guarded<[String]>([])
        let done = Signal()
        thread.execute { loop in
            let client = HTTPClient(loop: loop)
            // An invalid URL and a .invalid name are known to fail before anything is sent.
            for url in ["ftp://127.0.0.1/", "http://x.invalid/"] {
                client.send(.GET, url: url) { _ in
                    _ = client
                    order.withLock { $0.append("completed \(url)") }
                    if url.hasSuffix(".invalid/") { done.fire() }
                }
                order.withLock { $0.append("sent \(url)") }
            }
        }
        #expect(done.wait())
        #expect(order.withLock { $0 } == ["sent ftp://127.0.0.1/", "sent http://x.invalid/", "completed ftp://127.0.0.1/", "completed http://x.invalid/"])
    }

    /// A closed client drops its calls without calling back, and lets go of their connections:
    /// the server sees the client leave.
    @Test func closingTheClientAbandonsItsCallsAndTheirConnections() throws {
        let entered = Signal()
        let left = Signal()
        let router: @Sendable (EventLoop) -> any HTTPHandler = { _ in
            HandlerFunction { _, responder in
                responder.whenClosed { left.fire() }
                entered.fire()
            }
        }
        try withServer([("main", router)], grace: .milliseconds(50)) { server in
            let call = try AbandonedCall("http://127.0.0.1:\(server.port("main"))/")
            defer { call.stop() }
            #expect(entered.wait())
            call.close()
            #expect(left.wait())
            #expect(call.completionsAfterDraining() == 0)
        }
    }
}
