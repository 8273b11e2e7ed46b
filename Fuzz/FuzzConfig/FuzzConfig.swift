import FuzzDriver
@testable import MockConvex

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    // Valid or refused with a path and a message; never a crash.
    _ = try? DeploymentConfig.parse(Array(UnsafeBufferPointer(start: data, count: size)), baseDirectory: "/nonexistent")
    return 0
}

@_cdecl("FuzzConfig_main")
func fuzzConfigMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzConfig)
}
