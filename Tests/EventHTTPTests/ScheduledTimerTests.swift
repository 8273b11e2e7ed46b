import EventHTTP
import Foundation
import Testing

/// Timers are what delay faults, deadlines and keep-alives are made of: none may fire before
/// its time. libevent's default clock on Linux (CLOCK_MONOTONIC_COARSE) ticks every 1-4 ms and
/// fired a 100 ms timer up to 4 ms early.
@Suite(.timeLimit(.minutes(1))) struct ScheduledTimerTests {
    @Test func noTimerFiresBeforeItsDelay() throws {
        let thread = try EventLoopThread(running: EventLoop())
        defer {
            thread.execute { $0.stop() }
            thread.join()
        }
        // A busy loop, as a server's is: other work wakes it every 300 µs, so a timer's
        // remaining time is worked out again and again from the clock. With the coarse clock,
        // whose reading lags by a different amount each time, that made timers fire up to a
        // tick early. Each timer is armed from the loop and measured with the precise clock,
        // and no cached time: a turn's start may lie well before the arming on a loaded machine.
        // The 200 µs allow for the arming and the clock read beside it.
        let busy = Locked(true)
        @Sendable func tick(_ loop: EventLoop) {
            loop.schedule(after: .microseconds(300)) { if busy.withLock({ $0 }) { tick(loop) } }
        }
        thread.execute { tick($0) }
        defer { busy.withLock { $0 = false } }
        let early = Locked<[String]>([])
        let done = DispatchSemaphore(value: 0)
        let delays = (0..<40).map { Duration.milliseconds(1 + ($0 * 7) % 23) }
        for delay in delays {
            thread.execute { loop in
                let armed = ContinuousClock.now
                loop.schedule(after: delay) {
                    let waited = ContinuousClock.now - armed
                    if waited < delay - .microseconds(200) { early.withLock { $0.append("\(delay) fired after \(waited)") } }
                    done.signal()
                }
            }
            #expect(done.wait(timeout: .now() + 5) == .success)
        }
        #expect(early.withLock { $0 } == [])
    }
}
