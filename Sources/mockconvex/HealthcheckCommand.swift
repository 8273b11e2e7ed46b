import ArgumentParser
import EventHTTP

/// `mockconvex healthcheck`: what a container's HEALTHCHECK runs, so the image needs no curl.
/// Exit 0 when the URL answers 200 within the timeout, 1 otherwise (with the reason on stderr).
struct HealthcheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "healthcheck",
        abstract: "Exit 0 when the server answers 200, 1 otherwise.",
        discussion: "For a container HEALTHCHECK or a CI wait loop; needs nothing but the binary."
    )

    static let defaultURL = "http://127.0.0.1:3210/version"

    @Option(help: "What to GET. Default \(HealthcheckCommand.defaultURL).")
    var url = HealthcheckCommand.defaultURL

    @Option(help: "Seconds to wait for the answer.")
    var timeout = 3

    func validate() throws {
        guard (1...300).contains(timeout) else { throw ValidationError("--timeout must be from 1 to 300 seconds, got \(timeout)") }
        guard url.lowercased().hasPrefix("http://") else {
            throw ValidationError("--url must be an http:// URL such as \(Self.defaultURL), got \"\(url)\"")
        }
    }

    func run() throws {
        let loop = try EventLoop()
        let client = HTTPClient(loop: loop)
        var outcome: Result<HTTPClientResponse, HTTPClientError>?
        client.send(.GET, url: url, timeout: .seconds(timeout)) { result in
            outcome = result
            loop.stop()
        }
        if outcome == nil { loop.run() }
        switch outcome {
        case .success(let response) where response.status == 200:
            return
        case .success(let response):
            StandardStreams.writeError("mockconvex healthcheck: \(url) answered \(response.status)\n")
        case .failure(let error):
            StandardStreams.writeError("mockconvex healthcheck: \(url): \(error)\n")
        case nil:
            StandardStreams.writeError("mockconvex healthcheck: \(url): no answer\n")
        }
        throw ExitCode(1)
    }
}
