import Foundation
import Testing
import TestSupport

/// The real binary on the example config with small limits, plus a bystander: a keep-alive
/// client that must be answered after every bad request, and the server's descriptor count,
/// which must come back to where it was after every case.
final class BadInputServer {
    static let readTimeoutSeconds = 2

    let server: MockConvexProcess
    private let bystander: RawHTTP.Connection
    let baseline: Int
    /// A `Convex-Action-Callback-Token` the server issued (cases name it with a placeholder).
    let callbackToken: String

    init(maxUploadBytes: Int = 131_072) throws {
        server = try MockConvexProcess([
            "--config", Fixtures.exampleConfig, "--port", "0", "--site-proxy-port", "0", "--port80-port", "0",
            "--admin-key", Request.adminKey, "--read-timeout", String(Self.readTimeoutSeconds), "--idle-timeout", "30",
            "--max-body-bytes", "65536", "--max-upload-bytes", String(maxUploadBytes),
        ])
        bystander = try RawHTTP.Connection(port: try server.port("admin"))
        callbackToken = try Self.issueCallbackToken(port: try server.port("admin"))
        try Self.expectVersion(on: bystander)
        baseline = try #require(server.openDescriptors)
    }

    deinit { server.stop() }

    func port(_ listener: BadInputCase.Listener) throws -> Int { try server.port(listener.rawValue) }

    /// Sends the case on a new connection and checks the answer, the bystander, and that the
    /// server let go of the connection's descriptor.
    func check(_ row: BadInputCase) throws {
        let connection = try RawHTTP.Connection(port: try port(row.listener), timeout: 10)
        // A server that answers before the whole request is read (a head over the limit) may
        // make the rest of the write fail; the answer is still there to read.
        try? connection.write(withCallbackToken(row.request))
        let response: RawHTTP.Response
        do {
            response = try connection.readResponse()
        } catch {
            // Named, and the next cases still run against the same server.
            Issue.record("\(row.name): no answer (\(error))")
            connection.close()
            return try expectStillServing(after: row.name)
        }
        let body = response.text.replacing(#/\[Request ID: [0-9a-f]+\]/#, with: "[Request ID: *]")
        #expect(response.status == row.status, "\(row.name)")
        #expect(body == row.body, "\(row.name)")
        if row.closes {
            #expect(response.header("Connection") == "close", "\(row.name)")
            #expect(connection.waitForClose(), "\(row.name): the server kept the connection open")
        }
        connection.close()
        try expectStillServing(after: row.name)
    }

    /// `request` with the callback token placeholder, if it has one, replaced by a real token.
    func withCallbackToken(_ request: [UInt8]) -> [UInt8] {
        let placeholder = Array(Request.callbackTokenPlaceholder.utf8)
        guard let range = request.firstRange(of: placeholder) else { return request }
        return Array(request[..<range.lowerBound]) + Array(callbackToken.utf8) + Array(request[range.upperBound...])
    }

    /// The token a test playing a Node action gets from the control API.
    static func issueCallbackToken(port: Int) throws -> String {
        let issued = try RawHTTP.send("POST", "/_mock/action-callback-token", port: port)
        #expect(issued.status == 200)
        let object = try JSONSerialization.jsonObject(with: Data(issued.body)) as? [String: Any]
        return try #require(object?["token"] as? String)
    }

    /// The bystander is answered and every descriptor the case used is closed.
    func expectStillServing(after name: String) throws {
        try expectBystanderAnswered()
        let descriptors = server.waitForDescriptors(atMost: baseline)
        #expect(descriptors == baseline, "\(name): the server holds \(descriptors ?? -1) descriptors, \(baseline) before")
    }

    func expectBystanderAnswered() throws {
        try Self.expectVersion(on: bystander)
    }

    private static func expectVersion(on connection: RawHTTP.Connection) throws {
        try connection.write(RawHTTP.request("GET", "/version", port: 0))
        let response = try connection.readResponse()
        #expect(response.status == 200)
    }
}
