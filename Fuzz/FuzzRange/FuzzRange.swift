import FuzzDriver
@testable import MockConvex

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRange(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    // The first byte picks a file size; the rest is the header.
    let fileSize = Int(bytes.first ?? 0) * 37
    let header = String(decoding: bytes.dropFirst(), as: UTF8.self)
    // As StorageRoutes: a single range of a file that is not empty is a 206 with Content-Range.
    if case .single(let start, let end) = RangeRequest(header: header), fileSize > 0 {
        let served = RangeRequest.served(start: start, end: end, size: fileSize)
        guard served.lowerBound >= 0, served.upperBound <= fileSize else { fatalError("served \(served) outside 0..<\(fileSize) for \(header)") }
        _ = RangeRequest.contentRange(start: start, end: end, size: fileSize)
    }
    return 0
}

@_cdecl("FuzzRange_main")
func fuzzRangeMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzRange)
}
