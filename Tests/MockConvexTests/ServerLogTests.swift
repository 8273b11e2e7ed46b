@testable import EventHTTP
import Foundation
@testable import MockConvex
import Testing

/// The server's log: lines formatted as swift-log's stream handler (text) or as one JSON object,
/// written by the sink's own thread at least every second, never blocking the caller, dropping
/// (and counting, and reporting) what does not fit while stderr is not read, and writing what
/// is left on close.
@Suite(.timeLimit(.minutes(1))) struct ServerLogTests {
    static let record = AccessRecord(listener: "admin", method: .GET, uri: "/x?a=1", status: 200, durationNanoseconds: 329_400,
                                     responseBytes: 7, remoteAddress: "127.0.0.1:5000")

    private static func line(_ format: LogSink.Format, _ record: AccessRecord = record) -> String {
        var output: [UInt8] = []
        var clock = LogClock()
        ServerLogLine.appendAccess(record, format: format, to: &output, clock: &clock)
        return String(decoding: output, as: UTF8.self)
    }

    @Test func anAccessLineInTextIsSwiftLogsStreamFormat() throws {
        let line = Self.line(.text)
        let match = try #require(line.wholeMatch(of: /(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}) (.*)\n/))
        #expect(match.2 == "info mockconvex: duration_ms=0.329 listener=admin method=GET path=/x?a=1 status=200 [mockconvex] request")
    }

    @Test func anAccessLineInJSONIsOneObjectOfStrings() throws {
        let line = Self.line(.json)
        #expect(line.hasSuffix("}\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        #expect(object.count == 9)
        #expect(object["time"]?.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/) != nil)
        #expect(object["level"] == "info")
        #expect(object["label"] == "mockconvex")
        #expect(object["message"] == "request")
        #expect(object["duration_ms"] == "0.329")
        #expect(object["listener"] == "admin")
        #expect(object["method"] == "GET")
        #expect(object["path"] == "/x?a=1")
        #expect(object["status"] == "200")
        #expect(line.contains(#""message":"request","duration_ms":"0.329","listener":"admin","method":"GET","path":"/x?a=1","status":"200"}"#))
    }

    @Test(arguments: [(UInt64(0), "0.0"), (999, "0.0"), (329_400, "0.329"), (12_500_000, "12.5"), (3_000_000, "3.0"),
                      (1_001_000, "1.001"), (1_234_567_890_000, "1234567.89")])
    func durationsPrintAsADoubleOfMillisecondsWould(nanoseconds: UInt64, text: String) {
        var output: [UInt8] = []
        ServerLogLine.appendMilliseconds(nanoseconds, to: &output)
        #expect(String(decoding: output, as: UTF8.self) == text)
        #expect(text == String(Double(nanoseconds / 1000) / 1000))
    }

    @Test func whatAClientPutInItsPathCannotBreakALine() throws {
        let hostile = AccessRecord(listener: "admin", method: .GET, uri: "/a\nfake line\r\t\u{1}\"\\", status: 404, durationNanoseconds: 0,
                                   responseBytes: 0, remoteAddress: "")
        let text = Self.line(.text, hostile)
        #expect(text.filter { $0 == "\n" }.count == 1)
        #expect(text.contains(#"path=/a\nfake line\r\t\x01"\ status=404"#))
        let json = Self.line(.json, hostile)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: String])
        #expect(object["path"] == "/a\nfake line\r\t\u{1}\"\\")
    }

    /// A pipe standing for stderr, read on demand.
    final class Pipe {
        let read: Int32
        let write: Int32

        init() throws {
            var ends: [Int32] = [0, 0]
            guard pipe(&ends) == 0 else { throw POSIXError(.EMFILE) }
            (read, write) = (ends[0], ends[1])
        }

        /// Everything readable until `predicate` holds on the whole text read, or `within` seconds pass.
        func read(until predicate: (String) -> Bool, within: Double = 10) -> String {
            var text: [UInt8] = []
            let deadline = Date().addingTimeInterval(within)
            while !predicate(String(decoding: text, as: UTF8.self)) && Date() < deadline {
                var poller = pollfd(fd: read, events: Int16(POLLIN), revents: 0)
                guard poll(&poller, 1, 50) > 0 else { continue }
                var buffer = [UInt8](repeating: 0, count: 65536)
                let count = Glibc.read(read, &buffer, buffer.count)
                if count <= 0 { break }
                text += buffer[..<count]
            }
            return String(decoding: text, as: UTF8.self)
        }

        deinit {
            close(read)
            close(write)
        }
    }

    @Test func linesReachTheReaderWithinAboutASecondAndWarningsAtOnce() throws {
        let pipe = try Pipe()
        let sink = try LogSink(descriptor: pipe.write, format: .text)
        defer { sink.close() }
        sink.access(Self.record)
        let first = pipe.read(until: { $0.contains("[mockconvex] request\n") })
        #expect(first.contains("path=/x?a=1"))
        sink.log(level: "warning", urgent: true, label: "mockconvex", source: "mockconvex", message: "disk nearly full",
                 metadata: [(key: "data-dir", value: "/d")])
        let warning = pipe.read(until: { $0.contains("disk nearly full") })
        #expect(warning.hasSuffix(" warning mockconvex: data-dir=/d [mockconvex] disk nearly full\n"), "\(warning)")
    }

    @Test func aStderrNobodyReadsDropsAndCountsLinesAndNeverBlocksTheCaller() throws {
        let pipe = try Pipe()
        let sink = try LogSink(descriptor: pipe.write, format: .text, capacity: 4096)
        defer { sink.close() }
        // Far more than the pipe (64 KiB) and the buffer hold together: the caller goes on.
        for _ in 0..<5000 { sink.access(Self.record) }
        #expect(sink.droppedLines > 0)
        // Once someone reads, what was kept arrives, and lines saying how many were dropped
        // (one per write that followed drops) add up to the count.
        let droppedInAll = sink.droppedLines
        let reports = /\ warning mockconvex: \[mockconvex\] (\d+) log lines dropped: stderr was not read fast enough\n/
        func reported(_ text: String) -> Int { text.matches(of: reports).reduce(0) { $0 + (Int($1.1) ?? 0) } }
        let text = pipe.read(until: { reported($0) >= droppedInAll })
        #expect(reported(text) == droppedInAll)
        let written = text.components(separatedBy: "[mockconvex] request\n").count - 1
        #expect(written + droppedInAll == 5000)
    }

    @Test func closeWritesWhatIsBufferedAndGivesUpOnAReaderThatNeverReads() throws {
        let pipe = try Pipe()
        let sink = try LogSink(descriptor: pipe.write, format: .json)
        for _ in 0..<100 { sink.access(Self.record) }
        sink.close()
        let text = pipe.read(until: { $0.components(separatedBy: "\n").count == 101 })
        #expect(text.components(separatedBy: "\n").count == 101)
        #expect(sink.droppedLines == 0)

        // A full pipe nobody reads: close returns after its bound, with what did not fit unwritten.
        let stuck = try Pipe()
        let flags = fcntl(stuck.write, F_GETFL)
        _ = fcntl(stuck.write, F_SETFL, flags | O_NONBLOCK)
        let filler = [UInt8](repeating: 0x41, count: 65536)
        while Glibc.write(stuck.write, filler, filler.count) > 0 {}
        _ = fcntl(stuck.write, F_SETFL, flags)
        let blocked = try LogSink(descriptor: stuck.write, format: .text)
        blocked.access(Self.record)
        let started = Date()
        blocked.close(within: .milliseconds(300))
        #expect(Date().timeIntervalSince(started) < 5)
    }
}
