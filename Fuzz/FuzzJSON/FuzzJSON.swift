import FuzzDriver
@testable import MockConvex

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let json = try? JSONReader.parse(bytes, maxDepth: 64) else { return 0 }
    // Whatever parses must write back out and read again to the same value.
    let written = json.serialized
    guard let again = try? JSONReader.parse(written, maxDepth: 64), again == json else { fatalError("JSON round trip changed the value") }
    if let value = try? ConvexValue.importing(json) {
        _ = value.exported(.encoded).serialized
        _ = value.exported(.clean).serialized
    }
    return 0
}

@_cdecl("FuzzJSON_main")
func fuzzJSONMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzJSON)
}
