import FuzzDriver
@testable import MockConvex

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDocumentId(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let id = try? DocumentId(decoding: text) else { return 0 }
    // A decoded id encodes back to text that decodes to the same id.
    guard let again = try? DocumentId(decoding: id.encoded), again == id else { fatalError("id round trip changed \(text)") }
    return 0
}

@_cdecl("FuzzDocumentId_main")
func fuzzDocumentIdMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzDocumentId)
}
