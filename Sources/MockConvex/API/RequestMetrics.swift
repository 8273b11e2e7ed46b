import EventHTTP

/// Request counts per listener and status, for `/metrics` in Prometheus' text format. A few
/// counters do not justify a metrics library.
final class RequestMetrics: Sendable {
    private let counts = Locked<[String: [Int: Int]]>([:])

    init() {}

    func record(listener: String, status: Int) {
        counts.withLock { $0[listener, default: [:]][status, default: 0] += 1 }
    }

    func prometheusText() -> String {
        let snapshot = counts.withLock { $0 }
        var text = "# HELP mockconvex_http_requests_total Requests answered, by listener and status.\n"
        text += "# TYPE mockconvex_http_requests_total counter\n"
        for listener in snapshot.keys.sorted() {
            for (status, count) in snapshot[listener]!.sorted(by: { $0.key < $1.key }) {
                text += "mockconvex_http_requests_total{listener=\"\(listener)\",status=\"\(status)\"} \(count)\n"
            }
        }
        return text
    }
}
