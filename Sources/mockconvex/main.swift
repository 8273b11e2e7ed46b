import ArgumentParser

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// ArgumentParser exits 64 on usage errors; mockconvex promises 2, like most Unix tools.
do {
    var command = try MockConvexCommand.parseAsRoot()
    try command.run()
} catch {
    let code = MockConvexCommand.exitCode(for: error)
    if code == .validationFailure || error is UsageError {
        StandardStreams.writeError(MockConvexCommand.fullMessage(for: error) + "\n")
        exit(2)
    }
    MockConvexCommand.exit(withError: error)
}
