import EventHTTP
@testable import MockConvex
import Testing

/// The HTTP actions apps add for the port-80 bug, served on the site port: a test blob, the
/// fallback that streams it, and turning them off. (`/debug/node-network-test` calls out over
/// the network; the end-to-end port-80 scenarios run it.)
@Suite(.timeLimit(.minutes(1))) struct DebugRouteTests {
    @Test func aTestBlobIsStoredAndStreamedThroughTheFallback() throws {
        let mock = try InProcess()
        let created = try mock.site(.POST, "/debug/storage-blob")
        #expect(created.status == 200)
        #expect(created.headers == ["content-type": "application/json"])
        let storageId = try #require(try created.json["storageId"]?.stringValue)
        #expect(storageId.hasPrefix("kg2"))

        let blob = try mock.site(.GET, "/internal/storage-blob?storageId=\(storageId)")
        #expect(blob.status == 200)
        #expect(blob.headers == ["content-length": "34", "content-type": "text/plain"])
        #expect(blob.body == DebugRoutes.testBlob)
        #expect(blob.body.count == 34)
    }

    @Test func theFallbackSaysWhatIsMissing() throws {
        let mock = try InProcess()
        let missing = try mock.site(.GET, "/internal/storage-blob")
        #expect(missing.status == 400)
        #expect(missing.headers == ["content-type": "text/plain; charset=utf-8"])
        #expect(missing.bodyText == "Missing storageId query parameter")
        let unknown = try mock.site(.GET, "/internal/storage-blob?storageId=kg2nothing")
        #expect(unknown.status == 404)
        #expect(unknown.bodyText == "No blob with storageId kg2nothing")
    }

    @Test func theyAreAlsoUnderHttpOnTheAdminPort() throws {
        let mock = try InProcess()
        #expect(try mock.admin(.POST, "/http/debug/storage-blob").status == 200)
    }

    @Test func theConfigCanTurnThemOff() throws {
        let mock = try InProcess(config: #"{"debugRoutes": false, "httpRoutes": [{"method": "GET", "path": "/hello", "body": "hi"}]}"#)
        let off = try mock.site(.POST, "/debug/storage-blob")
        #expect(off.status == 404)
        #expect(off.bodyText == "No matching routes found")
        #expect(try mock.site(.GET, "/hello").bodyText == "hi")
    }

    @Test func aConfigRouteOnTheSamePathWins() throws {
        let mock = try InProcess(config: #"{"httpRoutes": [{"method": "POST", "path": "/debug/storage-blob", "body": "mine"}]}"#)
        #expect(try mock.site(.POST, "/debug/storage-blob").bodyText == "mine")
    }
}
