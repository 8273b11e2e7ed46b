import Foundation
@testable import MockConvex
import Testing
import TestSupport

/// `/api/query_batch` against the real binary: a batch anyone can send, of any length, is
/// answered and leaves the server answering (20,000 queries once overflowed the stack).
@Suite(.timeLimit(.minutes(2))) struct QueryBatchEndToEndTests {
    /// `/api/query_batch` answers its queries one after another by recursion: each synchronous
    /// query's completion calls `next()` from inside the previous one's frames, so the stack
    /// grows with the batch. 20 000 queries (a 640 KB body, well under the 16 MiB limit, no
    /// credentials, no config) overflow the loop thread's stack: the process dies with SIGSEGV.
    @Test func aLargeQueryBatchIsAnsweredAndTheServerGoesOn() throws {
        let server = try MockConvexProcess(["--port", "0", "--site-proxy-port", "0", "--no-port80", "--log-level", "warning"])
        defer { server.stop() }
        let port = try server.port("admin")
        let count = 50_000
        let queries = Array(repeating: #"{"path":"nope:q","args":{}}"#, count: count).joined(separator: ",")
        let answer = Result { try RawHTTP.send("POST", "/api/query_batch", port: port, headers: [("Content-Type", "application/json")],
                                               body: Array(#"{"queries":[\#(queries)]}"#.utf8), timeout: 30) }
        #expect((try? answer.get().status) == 200, "the batch got no answer: \(answer)")
        if case .success(let response) = answer, case .array(let results)? = try? JSONReader.parse(response.body)["results"] {
            #expect(results.count == count)
        }
        #expect((try? RawHTTP.get("/version", port: port).status) == 200, "the server no longer answers")
    }
}
