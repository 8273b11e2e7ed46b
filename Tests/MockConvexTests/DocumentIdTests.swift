@testable import MockConvex
import Testing

@Suite(.timeLimit(.minutes(1))) struct DocumentIdTests {
    @Test func decodesTheTestVectorToTheStorageTable() throws {
        let id = try DocumentId(decoding: "kg27rxfv99gzp01wmph0gvt92d6hnvy6")
        #expect(id.tableNumber == 540)
        #expect(id.internalId.count == 16)
        #expect(id.encoded == "kg27rxfv99gzp01wmph0gvt92d6hnvy6")
    }

    @Test(arguments: [(UInt32(1), 31), (10001, 32), (10002, 32), (540, 32), (1 << 14, 34), (1 << 21, 36), (1 << 28, 37), (UInt32.max, 37)])
    func encodesEveryVIntLengthAndDecodesItBack(table: UInt32, length: Int) throws {
        var generator = SystemRandomNumberGenerator()
        let id = DocumentId.generate(tableNumber: table, unixSeconds: 1_763_000_000, using: &generator)
        #expect(id.encoded.count == length)
        #expect(try DocumentId(decoding: id.encoded) == id)
    }

    @Test func userTablesStartWithTheBackendsPrefixes() {
        var generator = SystemRandomNumberGenerator()
        let prefixes = [UInt32(10001): "j57", 10002: "j97", 10003: "jd7", 540: "kg2", 539: "kc2"]
        for (table, prefix) in prefixes {
            #expect(DocumentId.generate(tableNumber: table, unixSeconds: 0, using: &generator).encoded.hasPrefix(prefix))
        }
    }

    @Test func theLastTwoInternalBytesAreTheDay() {
        var generator = SystemRandomNumberGenerator()
        let id = DocumentId.generate(tableNumber: 10001, unixSeconds: 20_000 * 86_400 + 5, using: &generator)
        #expect(id.internalId[14] == UInt8(20_000 >> 8))
        #expect(id.internalId[15] == UInt8(20_000 & 0xFF))
    }

    @Test func rejectsAlteredIdsWithTheBackendsMessages() {
        func error(_ text: String) -> String? {
            do { _ = try DocumentId(decoding: text); return nil } catch { return "\(error)" }
        }
        let good = "kg27rxfv99gzp01wmph0gvt92d6hnvy6"
        #expect(error("abc") == "Unable to decode ID: Invalid ID length 3")
        #expect(error(good + "0000000000") == "Unable to decode ID: Invalid ID length 42")
        #expect(error(good.uppercased()) == "Unable to decode ID: ID wasn't valid base32")
        #expect(error("kg27rxfv99gzp01wmph0gvt92d6hnvyu") == "Unable to decode ID: ID wasn't valid base32")
        // One changed character in the internal id breaks the checksum.
        #expect(error("kg27rxfv99gzp01wmph0gvt92d6hnvy7")?.hasPrefix("Unable to decode ID: Invalid ID version") == true)
        #expect(error("kg27rxfv99gzp11wmph0gvt92d6hnvy6")?.hasPrefix("Unable to decode ID: Invalid ID version") == true)
        // Table number zero.
        #expect(error(String(repeating: "0", count: 31)) == "Unable to decode ID: Invalid table number")
    }

    @Test func aNonCanonicalSpellingIsNotAnId() throws {
        let id = try DocumentId(decoding: "kg27rxfv99gzp01wmph0gvt92d6hnvy6")
        // 20 bytes take 160 bits = 32 symbols exactly; one more symbol leaves stray bits.
        #expect(throws: DocumentIdError.self) { try DocumentId(decoding: id.encoded + "0") }
    }

    @Test func checksumFooterIsFletcher16LittleEndian() throws {
        let id = try DocumentId(decoding: "kg27rxfv99gzp01wmph0gvt92d6hnvy6")
        let body = VInt.encode(540) + id.internalId
        #expect(VInt.encode(540) == [0x9C, 0x04])
        let sum = Fletcher16.checksum(body)
        let decoded = Base32.decode(id.encoded)!
        #expect(decoded.suffix(2) == [UInt8(sum & 0xFF), UInt8(sum >> 8)])
    }
}
