import Testing
@testable import MockConvex

/// Expected results were produced by the backend's `base64` crate (0.13.1, `base64::decode`).
@Suite(.timeLimit(.minutes(1))) struct Base64Tests {
    @Test(arguments: [
        ([], ""),
        (Array("f".utf8), "Zg=="),
        (Array("fo".utf8), "Zm8="),
        (Array("foo".utf8), "Zm9v"),
        (Array("foob".utf8), "Zm9vYg=="),
        (Array("fooba".utf8), "Zm9vYmE="),
        (Array("foobar".utf8), "Zm9vYmFy"),
        ([0xFB, 0xFF, 0xBF], "+/+/"),
        ([5, 0, 0, 0, 0, 0, 0, 0], "BQAAAAAAAAA="),
    ] as [([UInt8], String)])
    func encodesPadded(bytes: [UInt8], text: String) throws {
        #expect(Base64.encode(bytes) == text)
        #expect(try Base64.decode(text) == bytes)
    }

    @Test func encodesAnyByteCollection() {
        #expect(Base64.encode(Array(0...255).map(UInt8.init)[250...]) == "+vv8/f7/")
    }

    @Test(arguments: [
        ("Zg", [102]),
        ("Zm8", [102, 111]),
        ("Zm9vYmE", [102, 111, 111, 98, 97]),
        ("abc", [105, 183]),
        ("AAAAAA==", [0, 0, 0, 0]),
        ("AAAAAA=", [0, 0, 0, 0]),
        ("AAAAAAA=", [0, 0, 0, 0, 0]),
        ("AAAAAAAAAAA", [0, 0, 0, 0, 0, 0, 0, 0]),
    ] as [(String, [UInt8])])
    func acceptsMissingOrPartialPadding(text: String, bytes: [UInt8]) throws {
        #expect(try Base64.decode(text) == bytes)
    }

    @Test(arguments: [
        ("!", "Invalid byte 33, offset 0."),
        ("é", "Invalid byte 195, offset 0."),
        ("AAA\u{E9}", "Invalid byte 169, offset 4."),
        ("AAAA ", "Invalid byte 32, offset 4."),
        ("AAAAAAAA ", "Invalid byte 32, offset 8."),
        ("AAAAAAAA\n", "Invalid byte 10, offset 8."),
        ("Zm9v-mFy", "Invalid byte 45, offset 4."),
        ("Zm9vYmFy_", "Invalid byte 95, offset 8."),
        ("A", "Encoded text cannot have a 6-bit remainder."),
        ("AAAAA", "Encoded text cannot have a 6-bit remainder."),
        ("AA===", "Encoded text cannot have a 6-bit remainder."),
        ("AB==", "Invalid last symbol 66, offset 1."),
        ("AAB=", "Invalid last symbol 66, offset 2."),
        ("AAAAAAB", "Invalid last symbol 66, offset 6."),
        ("AAAAAAAAAAB=", "Invalid last symbol 66, offset 10."),
        ("A===", "Invalid byte 61, offset 1."),
        ("AA=A", "Invalid byte 61, offset 2."),
        ("AA==AA==", "Invalid byte 61, offset 2."),
        ("AA======", "Invalid byte 61, offset 2."),
        ("AAAA====", "Invalid byte 61, offset 4."),
        ("AAAA=AAA", "Invalid byte 61, offset 4."),
        ("AAAAA=", "Invalid byte 61, offset 5."),
        ("AAAAAAAAA=", "Invalid byte 61, offset 9."),
        ("AAAAAAAA=AAAAAAA", "Invalid byte 61, offset 8."),
        ("AAAAAAAAAAAA=AAA", "Invalid byte 61, offset 12."),
    ])
    func rejectsWithTheCratesMessages(text: String, message: String) {
        #expect {
            try Base64.decode(text)
        } throws: { error in
            (error as? Base64Error)?.description == message
        }
    }

    @Test func roundTripsEveryLength() throws {
        for length in 0...40 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            #expect(try Base64.decode(Base64.encode(bytes)) == bytes)
        }
    }
}
