import ArgumentParser
import EventHTTP
import MockConvex

/// `mockconvex probe`: what a Node action's `ctx.*` calls see from where it runs. Run it inside
/// the backend's network namespace, a sidecar, or a CI step.
struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Call a deployment back the way a Node action does, and report each step.",
        discussion: "Exits 0 when every direct step succeeds, 1 when any fails (the workaround step does not count), 2 on bad usage."
    )

    @Option(help: "The deployment's CONVEX_CLOUD_ORIGIN. Default: $CONVEX_CLOUD_ORIGIN, else http://127.0.0.1 (port 80).")
    var origin: String?

    @Option(help: "The deployment's CONVEX_SITE_ORIGIN. Default: $CONVEX_SITE_ORIGIN, else http://127.0.0.1:3211.")
    var site: String?

    @Option(name: .customLong("storage-id"), help: "A blob to read. Default: the one the probe stores, or one the site's /debug/storage-blob makes.")
    var storageId: String?

    @Option(help: "Tries per request; the Node executor makes 5, with backoff.")
    var attempts = 1

    @Option(help: "Seconds each request may take.")
    var timeout = 10

    @Flag(help: "Print the report as JSON (as /debug/node-network-test answers).")
    var json = false

    @Option(name: .customLong("callback-token"), help: "The Convex-Action-Callback-Token to present. Default: one the deployment's control API issues (POST /_mock/action-callback-token at the origin).")
    var callbackToken: String?

    @Option(name: .customLong("control-token"), help: "The deployment's --control-token, when its control API needs one to issue a callback token.")
    var controlToken: String?

    @OptionGroup var outboundTLS: OutboundTLSOptions

    func validate() throws {
        guard (1...10).contains(attempts) else { throw ValidationError("--attempts must be from 1 to 10, got \(attempts)") }
        guard (1...600).contains(timeout) else { throw ValidationError("--timeout must be from 1 to 600 seconds, got \(timeout)") }
    }

    func run() throws {
        let environment = Environment.current
        let originText = try ProbeCommand.origin(origin ?? environment["CONVEX_CLOUD_ORIGIN"] ?? "http://127.0.0.1", flag: "--origin")
        let siteText = try ProbeCommand.origin(site ?? environment["CONVEX_SITE_ORIGIN"] ?? "http://127.0.0.1:3211", flag: "--site")
        var options = NodeActionEmulation.Options(convexOrigin: originText, siteOrigin: siteText)
        options.storageId = storageId
        options.attempts = attempts
        options.timeout = .seconds(timeout)
        options.tls = try outboundTLS.settings()

        let loop = try EventLoop()
        var outcome: NodeEmulationReport?
        var emulation: NodeActionEmulation?
        // Kept until the loop ends: a client let go abandons its calls.
        var tokenClient: HTTPClient?
        func start(token: String?) {
            var options = options
            options.callbackToken = token
            let running = NodeActionEmulation(loop: loop, options: options)
            emulation = running
            running.run { report in
                outcome = report
                loop.stop()
            }
        }
        if let callbackToken {
            start(token: callbackToken)
        } else {
            let client = HTTPClient(loop: loop, tls: options.tls)
            tokenClient = client
            CallbackTokenRequest.send(client, origin: originText, controlToken: controlToken, timeout: .seconds(timeout)) { answer in
                switch answer {
                case .issued(let token):
                    start(token: token)
                case .unreachable:
                    start(token: nil)
                case .refused(let status, let body):
                    StandardStreams.writeError("mockconvex probe: the deployment issued no callback token (\(status) \(body)), so its /api/actions/* calls will be refused; give --callback-token, or --control-token if its control API needs one\n")
                    start(token: nil)
                }
            }
        }
        loop.run()
        withExtendedLifetime((emulation, tokenClient)) {}
        guard let report = outcome else { throw ExitCode(1) }
        StandardStreams.writeOutput(json ? String(decoding: report.json.serialized, as: UTF8.self) + "\n" : ProbeTable.render(report, origin: originText, site: siteText))
        if !report.directStepsSucceeded { throw ExitCode(1) }
    }

    static func origin(_ text: String, flag: String) throws(UsageError) -> String {
        let lower = text.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
            throw UsageError(description: "\(flag) must be an http:// or https:// origin such as http://127.0.0.1:3210, got \"\(text)\"")
        }
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }
}

/// The probe's report for people: one line per step.
enum ProbeTable {
    static func render(_ report: NodeEmulationReport, origin: String, site: String) -> String {
        var lines = ["mockconvex probe: origin \(origin), site \(site)"]
        let width = report.steps.map(\.name.count).max() ?? 0
        for step in report.steps {
            let name = step.name + String(repeating: " ", count: width + 2 - step.name.count)
            if step.success {
                let details = step.details.map { "\($0.key) \(describe($0.value))" }.joined(separator: ", ")
                lines.append("\(name)ok    \(details)")
            } else {
                var reason = step.error ?? "failed"
                if let cause = step.cause { reason += ": \(cause)" }
                if let url = step.url { reason += " (\(url))" }
                lines.append("\(name)FAIL  \(reason)")
            }
        }
        lines.append(report.directStepsSucceeded ? "every direct step succeeded" : "some direct steps failed")
        return lines.joined(separator: "\n") + "\n"
    }

    private static func describe(_ value: JSON) -> String {
        switch value {
        case .string(let text): text
        case .integer(let number): String(number)
        case .number(let number): NumberText.javaScript(number)
        default: String(decoding: value.serialized, as: UTF8.self)
        }
    }
}
