import EventHTTP
@testable import MockConvex
import Testing

/// `DELETE /_mock/sync[/{id}]`'s Close frame is checked before anything is dropped: a code a
/// server may not send (RFC 6455 §7.4) is refused rather than quietly sent as 1011.
@Suite(.timeLimit(.minutes(1))) struct SyncControlRouteTests {
    @Test(arguments: [
        ("/_mock/sync?code=1005", 400, #"{"code":"InvalidCloseFrame","message":"code must be a close code a server may send (1000 to 1003, 1007 to 1014 or 3000 to 4999), got \"1005\""}"#),
        ("/_mock/sync?code=1015", 400, #"{"code":"InvalidCloseFrame","message":"code must be a close code a server may send (1000 to 1003, 1007 to 1014 or 3000 to 4999), got \"1015\""}"#),
        ("/_mock/sync?code=abc", 400, #"{"code":"InvalidCloseFrame","message":"code must be a close code a server may send (1000 to 1003, 1007 to 1014 or 3000 to 4999), got \"abc\""}"#),
        ("/_mock/sync?reason=bye", 400, #"{"code":"InvalidCloseFrame","message":"a reason needs a code; give one a server may send (1000 to 1003, 1007 to 1014 or 3000 to 4999)"}"#),
        ("/_mock/sync?code=1012&reason=ServiceRestart", 200, #"{"dropped":0}"#),
        ("/_mock/sync", 200, #"{"dropped":0}"#),
        ("/_mock/sync/7?code=4000", 404, #"{"code":"UnknownSyncSession","message":"There is no sync session 7; GET /_mock/sync lists them"}"#),
    ])
    func closeFramesAreCheckedAndUnknownSessionsNamed(uri: String, status: Int, body: String) throws {
        let mock = try ControlInProcess()
        let response = try mock.call(.DELETE, uri)
        #expect(response.status == status)
        #expect(response.bodyText == body)
    }
}
