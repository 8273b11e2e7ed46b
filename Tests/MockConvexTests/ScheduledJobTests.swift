import EventHTTP
import Foundation
@testable import MockConvex
import Testing

/// Scheduled functions: `schedule_job` / `cancel_job` callbacks and the config's `schedule`
/// behaviour; jobs kept with a `kc2...` id and run at their time on the scheduler's loop.
@Suite(.timeLimit(.minutes(1))) struct ScheduledJobTests {
    static let config = """
        {"functions": {"messages:send": {"type": "mutation", "insert": "messages"},
         "messages:list": {"type": "query", "list": "messages"},
         "jobs:get": {"type": "query", "get": "_scheduled_functions"},
         "app:later": {"type": "mutation", "schedule": {"function": "messages:send", "delayMs": 30}}}}
        """

    /// The job's state kind, polled until it is `wanted` (at most 10 s).
    private func waitForState(_ mock: InProcess, _ id: String, _ wanted: String) throws -> JSON? {
        let deadline = Date().addingTimeInterval(10)
        var job: JSON?
        while Date() < deadline {
            job = try mock.post("/api/query", #"{"path":"jobs:get","args":{"id":"\#(id)"}}"#).json["value"]
            if job?["state"]?["kind"] == .string(wanted) { return job }
            usleep(2_000)
        }
        Issue.record("job \(id) never reached \(wanted): \(String(describing: job))")
        return job
    }

    private func bodies(_ mock: InProcess) throws -> [JSON] {
        guard case .array(let documents)? = try mock.post("/api/query", #"{"path":"messages:list","args":{}}"#).json["value"] else { return [] }
        return documents.map { $0["body"] ?? .null }
    }

    @Test func aScheduledJobRunsAtItsTime() throws {
        let mock = try InProcess(config: Self.config)
        let at = Date().timeIntervalSince1970 + 0.05
        let scheduled = try mock.admin(.POST, "/api/actions/schedule_job", headers: mock.callbackHeaders,
                                       body: #"{"udfPath":"messages:send","udfArgs":{"body":"later"},"scheduledTs":\#(at)}"#)
        #expect(scheduled.status == 200)
        let id = try #require(try scheduled.json["jobId"]?.stringValue)
        #expect(id.hasPrefix("kc2"))
        #expect(try DocumentId(decoding: id).tableNumber == TableNumbers.system[DocumentStore.scheduledFunctionsTable])
        let job = try waitForState(mock, id, "success")
        #expect(job?["name"] == .string("messages.js:send"))
        #expect(job?["args"] == .array([.object([("body", .string("later"))])]))
        #expect(try bodies(mock) == [.string("later")])
    }

    @Test func aCanceledJobNeverRuns() throws {
        let mock = try InProcess(config: Self.config)
        let at = Date().timeIntervalSince1970 + 3600
        let scheduled = try mock.admin(.POST, "/api/actions/schedule_job", headers: mock.callbackHeaders,
                                       body: #"{"udfPath":"messages:send","udfArgs":{"body":"never"},"scheduledTs":\#(at)}"#)
        let id = try #require(try scheduled.json["jobId"]?.stringValue)
        let canceled = try mock.admin(.POST, "/api/actions/cancel_job", headers: mock.callbackHeaders, body: #"{"id":"\#(id)"}"#)
        #expect(canceled.status == 200)
        #expect(canceled.bodyText == "null")
        #expect(try waitForState(mock, id, "canceled") != nil)
        #expect(try bodies(mock) == [])
    }

    @Test func aConfigBehaviourSchedulesAndReturnsTheJobId() throws {
        let mock = try InProcess(config: Self.config)
        let answer = try mock.post("/api/mutation", #"{"path":"app:later","args":{"body":"from config"}}"#)
        let id = try #require(try answer.json["value"]?.stringValue)
        #expect(id.hasPrefix("kc2"))
        #expect(try waitForState(mock, id, "success") != nil)
        #expect(try bodies(mock) == [.string("from config")])
    }

    @Test func aMissingFunctionIsRefusedWhenScheduled() throws {
        let mock = try InProcess(config: Self.config)
        let response = try mock.admin(.POST, "/api/actions/schedule_job", headers: mock.callbackHeaders,
                                      body: #"{"udfPath":"nothing:here","udfArgs":{},"scheduledTs":0}"#)
        #expect(response.status == 400)
        #expect(response.bodyText == #"{"code":"InvalidScheduledFunction","message":"Attempted to schedule function at nonexistent path: nothing.js"}"#)
        let unexported = try mock.admin(.POST, "/api/actions/schedule_job", headers: mock.callbackHeaders,
                                        body: #"{"udfPath":"messages:missing","udfArgs":{},"scheduledTs":0}"#)
        #expect(unexported.bodyText == #"{"code":"InvalidScheduledFunction","message":"Attempted to schedule function, but no exported function missing found in the file: messages.js. Did you forget to export it?"}"#)
    }

    @Test func aJobWhoseFunctionWentAwayFails() throws {
        let mock = try InProcess(config: Self.config)
        let at = Date().timeIntervalSince1970 + 1
        let scheduled = try mock.admin(.POST, "/api/actions/schedule_job", headers: mock.callbackHeaders,
                                       body: #"{"udfPath":"messages:send","udfArgs":{},"scheduledTs":\#(at)}"#)
        let id = try #require(try scheduled.json["jobId"]?.stringValue)
        // Removed well before its time (a second later), as a reset or a control call would.
        #expect(mock.deployment.removeFunction(try FunctionPath(parsing: "messages:send")))
        let job = try waitForState(mock, id, "failed")
        #expect(job?["state"]?["error"] == .string("Could not find function for 'messages:send'"))
    }

    @Test func aNegativeTimeIsRefused() throws {
        let mock = try InProcess(config: Self.config)
        let response = try mock.admin(.POST, "/api/actions/schedule_job", headers: mock.callbackHeaders,
                                      body: #"{"udfPath":"messages:send","udfArgs":{},"scheduledTs":-1}"#)
        #expect(response.status == 400)
        #expect(response.bodyText == #"{"code":"InvalidTimestamp","message":"Requested scheduled_ts is invalid"}"#)
    }

    /// The backend's bounds: past what a `Duration` holds is its 400; past what a `Timestamp`
    /// holds (the year 2262) its plain 500; anything before is kept, however far off.
    @Test(arguments: [("1e300", 400), ("1e20", 400), ("18446744073709551616", 400), ("1e10", 500), ("9223372037", 500)])
    func timesOutOfTheBackendsRangeAreRefused(seconds: String, status: Int) throws {
        let mock = try InProcess(config: Self.config)
        let response = try mock.admin(.POST, "/api/actions/schedule_job", headers: mock.callbackHeaders,
                                      body: #"{"udfPath":"messages:send","udfArgs":{},"scheduledTs":\#(seconds)}"#)
        #expect(response.status == status)
        #expect(response.bodyText == (status == 400
            ? #"{"code":"InvalidTimestamp","message":"Requested scheduled_ts is invalid"}"#
            : #"{"code":"InternalServerError","message":"Your request couldn't be completed. Try again later."}"#))
        #expect(mock.deployment.withStore { $0.allJobs.isEmpty })
        // Still serving.
        #expect(try mock.post("/api/query", #"{"path":"messages:list","args":{}}"#).status == 200)
    }

    @Test func aTimeCenturiesAwayIsKeptPending() throws {
        let mock = try InProcess(config: Self.config)
        let response = try mock.admin(.POST, "/api/actions/schedule_job", headers: mock.callbackHeaders,
                                      body: #"{"udfPath":"messages:send","udfArgs":{},"scheduledTs":9223372036}"#)
        #expect(response.status == 200)
        let id = try #require(try response.json["jobId"]?.stringValue)
        let job = try mock.post("/api/query", #"{"path":"jobs:get","args":{"id":"\#(id)"}}"#).json["value"]
        #expect(job?["state"]?["kind"] == .string("pending"))
        #expect(job?["scheduledTime"] == .number(9223372036000))
    }

    /// A mutation that schedules itself with no delay runs for ever, as on the backend; what it
    /// leaves behind is bounded: the newest finished jobs are kept, the oldest dropped.
    @Test(.timeLimit(.minutes(2))) func anEndlessChainKeepsABoundedNumberOfFinishedJobs() throws {
        let mock = try InProcess(config: #"{"functions": {"chain:tick": {"type": "mutation", "schedule": {"function": "chain:tick", "delayMs": 0}}}}"#)
        let started = try mock.post("/api/mutation", #"{"path":"chain:tick","args":{}}"#)
        #expect(try started.json["status"] == .string("success"))
        let deadline = Date().addingTimeInterval(60)
        var firstKept: DocumentId?
        var evicted = false
        while Date() < deadline && !evicted {
            let (count, oldest) = mock.deployment.withStore { ($0.finishedJobCount, $0.oldestFinishedJobs(1).first) }
            #expect(count <= JobRetention.maxFinished)
            if count == JobRetention.maxFinished {
                if firstKept == nil { firstKept = oldest } else if oldest != firstKept { evicted = true }
            }
            usleep(20_000)
        }
        #expect(evicted, "the chain never ran past the retention bound within a minute")
        let jobs = mock.deployment.withStore { $0.allJobs }
        #expect(jobs.count <= JobRetention.maxFinished + 2)
        #expect(jobs.filter { !$0.state.isFinished }.count <= 2)
        // The state export stays quick to make.
        #expect(ControlRoutes.state(mock.deployment).serialized.count < 8 << 20)
    }

    /// A job's timer lives as long as the job waits: cancelling it, or resetting the
    /// deployment, lets the timer go (60,000 cancelled jobs once kept 60,000 timers).
    @Test func timersGoWithTheirJobs() throws {
        let mock = try InProcess(config: Self.config)
        let far = Date().timeIntervalSince1970 + 10 * 365 * 86_400
        var ids: [String] = []
        for _ in 0..<3 {
            let scheduled = try mock.admin(.POST, "/api/actions/schedule_job", headers: mock.callbackHeaders,
                                           body: #"{"udfPath":"messages:send","udfArgs":{},"scheduledTs":\#(far)}"#)
            ids.append(try #require(try scheduled.json["jobId"]?.stringValue))
        }
        #expect(mock.deployment.scheduler.armedTimerCount == 3)
        _ = try mock.admin(.POST, "/api/actions/cancel_job", headers: mock.callbackHeaders, body: #"{"id":"\#(ids[0])"}"#)
        #expect(mock.deployment.scheduler.armedTimerCount == 2)
        #expect(try Reply<Result<Void, PersistenceError>>.wait { mock.deployment.reset($0) }.get() == ())
        #expect(mock.deployment.scheduler.armedTimerCount == 0)
    }
}
