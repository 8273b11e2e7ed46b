import Foundation
import Testing
import TestSupport

/// The tests' own raw client closes each socket once, also when its connect is refused. A
/// second close hits whatever took the number in between: in a parallel run that was another
/// test's socket (`connectFailed(EBADF)`) or a new event loop's descriptors (`event_base_new
/// failed`), the flaky failures of issue 12.
@Suite(.timeLimit(.minutes(1))) struct HarnessDescriptorTests {
    /// Refused connects on two threads while this thread keeps opening `/dev/null` and checking
    /// that its descriptor is still its own. A client that closes twice takes the checker's
    /// descriptor from it within a few thousand rounds; one that closes once never can.
    @Test func refusedConnectsLeaveOtherDescriptorsAlone() throws {
        let port = try Sockets.unusedPort()
        let done = Guarded(false)
        // Refused connects, and whatever else the clients got instead.
        let outcomes = Guarded((refused: 0, other: [String]()))
        let finished = DispatchSemaphore(value: 0)
        let clients = (0..<2).map { _ in
            Thread {
                while !done.withLock({ $0 }) {
                    do {
                        _ = try RawHTTP.Connection(port: port)
                        outcomes.withLock { $0.other.append("connected") }
                    } catch RawHTTP.Failure.connectFailed(ECONNREFUSED) {
                        outcomes.withLock { $0.refused += 1 }
                    } catch {
                        outcomes.withLock { $0.other.append("\(error)") }
                    }
                }
                finished.signal()
            }
        }
        clients.forEach { $0.start() }
        defer {
            done.withLock { $0 = true }
            for _ in clients { _ = finished.wait(timeout: .now() + 10) }
        }

        var stolen = 0
        let deadline = Date().addingTimeInterval(3)
        var rounds = 0
        while rounds < 200_000 && Date() < deadline {
            rounds += 1
            let fd = open("/dev/null", O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { Issue.record("open /dev/null: \(String(cString: strerror(errno)))"); return }
            for _ in 0..<4 {
                var status = stat()
                if fstat(fd, &status) != 0 || status.st_mode & S_IFMT != S_IFCHR {
                    stolen += 1
                    break
                }
            }
            // The number may no longer be this thread's; closing it then would take it from
            // whoever has it now, so only an intact descriptor is closed.
            var status = stat()
            if fstat(fd, &status) == 0, status.st_mode & S_IFMT == S_IFCHR { close(fd) }
        }
        #expect(stolen == 0, "another thread closed this thread's descriptor \(stolen) times in \(rounds) rounds")
        let seen = outcomes.withLock { $0 }
        #expect(seen.refused > 100, "too few refused connects to mean anything")
        #expect(seen.other.isEmpty, "\(seen.other.prefix(5))")
    }
}
