import Testing
import TestSupport

/// The bad-input matrix against the real binary: each case on its own connection, its exact
/// status and body, then a keep-alive bystander answered and the server's descriptor count back
/// where it was. One server per group, so a case that breaks the server fails the cases after it.
@Suite(.timeLimit(.minutes(3))) struct BadInputMatrixTests {
    private func run(_ rows: [BadInputCase]) throws {
        let server = try BadInputServer()
        for row in rows { try server.check(row) }
    }

    @Test func malformedHTTP() throws { try run(BadInputCase.framing) }
    @Test func functionRouteBodies() throws { try run(BadInputCase.functionArguments) }
    @Test func actionCallbackBodies() throws { try run(BadInputCase.callbackArguments) }
    @Test func uploadsKeysAndControlRoutes() throws { try run(BadInputCase.controlAndStorage) }
    @Test func malformedIds() throws { try run(BadInputCase.ids) }
    @Test func pathTraversal() throws { try run(BadInputCase.pathTraversal) }
    @Test func syncUpgrades() throws { try run(BadInputCase.syncUpgrades) }

    @Test func syncSessions() throws {
        let server = try BadInputServer()
        for row in SyncBadInputCase.all { try server.check(row) }
    }

    /// Case names are unique, so a failure names one case.
    @Test func everyCaseHasItsOwnName() {
        let all = BadInputCase.framing + BadInputCase.functionArguments + BadInputCase.callbackArguments
            + BadInputCase.controlAndStorage + BadInputCase.ids + BadInputCase.pathTraversal + BadInputCase.syncUpgrades
        #expect(Set(all.map(\.name)).count == all.count)
        #expect(Set(SyncBadInputCase.all.map(\.name)).count == SyncBadInputCase.all.count)
        #expect(all.count >= 200)
    }
}
