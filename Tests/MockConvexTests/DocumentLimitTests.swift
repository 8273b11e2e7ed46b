import EventHTTP
import Foundation
@testable import MockConvex
import Testing

/// A stored document, with `_id` and `_creationTime`, holds at most 1024 fields and 1 MiB, as
/// the backend's documents: a write that would break that is refused with the backend's
/// message and changes nothing, whatever its arguments were allowed to be.
@Suite(.timeLimit(.minutes(1))) struct DocumentLimitTests {
    static let config = """
        {"functions": {
          "things:add": {"type": "mutation", "insert": "things"},
          "things:edit": {"type": "mutation", "patch": "things"},
          "things:swap": {"type": "mutation", "replace": "things"},
          "things:get": {"type": "query", "get": "things"}
        }}
        """

    private static func fields(_ count: Int, prefix: String = "f") -> String {
        (0..<count).map { #""\#(prefix)\#($0)":1"# }.joined(separator: ",")
    }

    private func errorMessage(_ response: HTTPResponse) throws -> String {
        #expect(response.status == 200)
        #expect(try response.json["status"] == .string("error"))
        return try #require(try response.json["errorMessage"]?.stringValue)
    }

    @Test func aPatchPastTheFieldLimitIsRefusedAndChangesNothing() throws {
        let mock = try InProcess(config: Self.config)
        let added = try mock.post("/api/mutation", #"{"path":"things:add","args":{\#(Self.fields(1000))}}"#)
        let id = try #require(try added.json["value"]?.stringValue)
        let patched = try mock.post("/api/mutation", #"{"path":"things:edit","args":{"id":"\#(id)",\#(Self.fields(100, prefix: "g"))}}"#)
        #expect(try errorMessage(patched).hasPrefix("[Request ID: "))
        #expect(try errorMessage(patched).contains("Server Error\nUncaught Error: Object has too many fields (1102 > maximum number 1024)\n    at handler (../convex/things.ts:1:1)\n"))
        let documentId = try DocumentId(decoding: id)
        let stored = try #require(mock.deployment.withStore { $0.get(documentId) })
        #expect(stored.fields.count == 1000)
    }

    @Test func insertsAndReplacesCountTheSystemFields() throws {
        let mock = try InProcess(config: Self.config)
        let full = try mock.post("/api/mutation", #"{"path":"things:add","args":{\#(Self.fields(1023))}}"#)
        #expect(try errorMessage(full).contains("Uncaught Error: Object has too many fields (1025 > maximum number 1024)"))
        let fits = try mock.post("/api/mutation", #"{"path":"things:add","args":{\#(Self.fields(1022))}}"#)
        let id = try #require(try fits.json["value"]?.stringValue)
        let swapped = try mock.post("/api/mutation", #"{"path":"things:swap","args":{"id":"\#(id)",\#(Self.fields(1023, prefix: "h"))}}"#)
        #expect(try errorMessage(swapped).contains("Object has too many fields (1025 > maximum number 1024)"))
        #expect(mock.deployment.withStore { $0.count("things") } == 1)
    }

    @Test func aDocumentOverOneMebibyteIsRefusedThoughItsArgumentsFit() throws {
        let mock = try InProcess(config: Self.config)
        let added = try mock.post("/api/mutation", #"{"path":"things:add","args":{"a":"x"}}"#)
        let id = try #require(try added.json["value"]?.stringValue)
        let big = String(repeating: "y", count: 12 << 20)
        let patched = try mock.post("/api/mutation", #"{"path":"things:edit","args":{"id":"\#(id)","b":"\#(big)"}}"#)
        #expect(try errorMessage(patched).contains("Uncaught Error: Value is too large (12.00 MiB > maximum size 1 MiB)"))
        let inserted = try mock.post("/api/mutation", #"{"path":"things:add","args":{"b":"\#(big)"}}"#)
        #expect(try errorMessage(inserted).contains("Value is too large"))
        let documentId = try DocumentId(decoding: id)
        #expect(mock.deployment.withStore { $0.get(documentId)?.fields.count } == 1)
    }

    @Test(arguments: [UInt32(1), 127, 128, 16_383, 16_384, 2_097_152, UInt32.max])
    func aDocumentsSizeIsCountedAsItsValueMeasures(tableNumber: UInt32) {
        var generator = SystemRandomNumberGenerator()
        let id = DocumentId.generate(tableNumber: tableNumber, unixSeconds: 1_795_000_000, using: &generator)
        #expect(id.encodedLength == id.encoded.utf8.count)
        var fields = ConvexObject()
        fields["body"] = .string("héllo")
        fields["n"] = .int64(7)
        fields["nested"] = .array([.null, .boolean(true), .bytes([1, 2, 3]), .object(ConvexObject())])
        for document in [Document(id: id, creationTime: 1_795_000_000_123.5, fields: ConvexObject()),
                         Document(id: id, creationTime: 1_795_000_000_123.5, fields: fields)] {
            #expect(DocumentLimits.size(of: document) == ConvexValue.object(document.value).size)
        }
    }
}
