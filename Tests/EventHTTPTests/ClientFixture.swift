import EventHTTP
import Foundation
import Testing
import TestSupport

/// Runs one client request on a loop thread of its own and returns what it completed with.
/// With `namespace`, the loop's thread joins that network namespace first, so the request
/// reaches the servers a test runs there.
func fetch(_ method: HTTPMethod, _ url: String, headers: HTTPHeaders = [:], body: [UInt8] = [], timeout: Duration = .seconds(5),
           maxResponseBytes: Int? = nil, tls: TLSClientSettings? = nil, in namespace: NetworkNamespace? = nil)
    throws -> Result<HTTPClientResponse, HTTPClientError> {
    let thread = try EventLoopThread(running: EventLoop())
    let outcome = Guarded<Result<HTTPClientResponse, HTTPClientError>?>(nil)
    let joined = Guarded<Result<Void, NetworkNamespace.NamespaceError>>(.success(()))
    let done = Signal()
    thread.execute { loop in
        if let namespace {
            joined.withLock { $0 = Result { () throws(NetworkNamespace.NamespaceError) in try namespace.enterOnThisThread() } }
        }
        let client = HTTPClient(loop: loop, tls: tls)
        client.send(method, url: url, headers: headers, body: body, timeout: timeout, maxResponseBytes: maxResponseBytes) { result in
            _ = client
            outcome.withLock { $0 = result }
            done.fire()
        }
    }
    let finished = done.wait(seconds: 15)
    thread.execute { $0.stop() }
    thread.join()
    try joined.withLock { $0 }.get()
    #expect(finished)
    return try #require(outcome.withLock { $0 })
}

func failure(_ result: Result<HTTPClientResponse, HTTPClientError>) -> HTTPClientError? {
    if case .failure(let error) = result { return error }
    return nil
}

/// Holds a client made on a loop thread for a later job on the same thread.
final class LoopBoundClient: @unchecked Sendable {
    private var client: HTTPClient?
    func set(_ client: HTTPClient) { self.client = client }
    func close() { client?.close() }
}

/// A GET started on a loop thread of its own, by a client the test closes mid-call; it counts
/// the completions that run (none may, once the client is closed).
final class AbandonedCall: @unchecked Sendable {
    let thread: EventLoopThread
    private let client = LoopBoundClient()
    private let completions = Guarded(0)

    init(_ url: String) throws {
        thread = try EventLoopThread(running: EventLoop())
        let (client, completions) = (client, completions)
        thread.execute { loop in
            let made = HTTPClient(loop: loop)
            client.set(made)
            made.send(.GET, url: url) { _ in completions.withLock { $0 += 1 } }
        }
    }

    /// Closes the client on its loop.
    func close() {
        let client = client
        thread.execute { _ in client.close() }
    }

    /// The completions that ran, once anything the loop still had for the call has run.
    func completionsAfterDraining() -> Int {
        let drained = Signal()
        thread.execute { loop in loop.schedule(after: .milliseconds(50)) { drained.fire() } }
        #expect(drained.wait())
        return completions.withLock { $0 }
    }

    func stop() {
        thread.execute { $0.stop() }
        thread.join()
    }
}
