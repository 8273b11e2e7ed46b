import Foundation

/// Real containers for the tests: rootful podman with runc and its Docker-compatible socket,
/// set up by `scripts/container-engine.sh test-setup` (which `make test` runs first), and
/// Debian's docker-compose 1.29 talking to that socket.
public enum Containers {
    public struct Setup: Sendable {
        public let dockerHost: String
        public let image: String
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// What `make test` found, or, when the tests run without it, what the script finds now
    /// (the first time on a fresh machine, minutes: debootstrap and the image's build).
    public static let setup: Result<Setup, Unavailable> = {
        var values = ProcessInfo.processInfo.environment
        if values["MOCKCONVEX_IMAGE"] == nil && values["MOCKCONVEX_CONTAINERS_UNAVAILABLE"] == nil {
            let script = root.appendingPathComponent("scripts/container-engine.sh").path
            guard let result = try? Command.run([script, "test-setup"], timeout: 1800), result.status == 0 else {
                return .failure(Unavailable(reason: "scripts/container-engine.sh test-setup failed; run it to see why"))
            }
            for line in result.stdout.split(separator: "\n") {
                guard let equals = line.firstIndex(of: "=") else { continue }
                values[String(line[..<equals])] = String(line[line.index(after: equals)...]).trimmingCharacters(in: CharacterSet(charactersIn: "'"))
            }
        }
        if let reason = values["MOCKCONVEX_CONTAINERS_UNAVAILABLE"] { return .failure(Unavailable(reason: reason)) }
        guard let image = values["MOCKCONVEX_IMAGE"], let host = values["DOCKER_HOST"] else {
            return .failure(Unavailable(reason: "MOCKCONVEX_IMAGE and DOCKER_HOST are not set"))
        }
        return .success(Setup(dockerHost: host, image: image))
    }()

    public struct Unavailable: Error, Sendable { public let reason: String }

    public static var available: Bool { (try? setup.get()) != nil }
    public static var skipReason: String {
        switch setup {
        case .success: "containers run here"
        case .failure(let unavailable): "containers cannot run here: \(unavailable.reason)"
        }
    }

    /// `podman ARGS` through podman's service, bounded. Remote, so that the containers' monitor
    /// (conmon) is the service's child, not the test's: a local `podman run -d` leaves conmon
    /// holding a descriptor Foundation's Process watches, and its exit is never seen.
    @discardableResult
    public static func podman(_ arguments: [String], timeout: Double = 60) throws -> Command.Result {
        let host = (try? setup.get().dockerHost) ?? "unix:///run/mockconvex-podman/podman.sock"
        return try Command.run(["podman", "--remote", "--url", host] + arguments, timeout: timeout)
    }

    /// The container's health as podman records it (`healthy`, `starting`, `unhealthy`).
    public static func health(_ container: String) -> String {
        (try? podman(["inspect", container, "--format", "{{.State.Health.Status}}"]).stdout) ?? ""
    }

    /// Polls `health` until it says healthy, at most `timeout` seconds; the last status seen.
    public static func waitUntilHealthy(_ container: String, timeout: Double = 60) -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var status = health(container)
        while status != "healthy" && Date() < deadline {
            _ = DispatchSemaphore(value: 0).wait(timeout: .now() + 0.25)
            status = health(container)
        }
        return status
    }

    /// Polls the container's log until a line satisfies `condition`, at most `timeout` seconds.
    public static func waitForLog(_ container: String, timeout: Double = 30, _ condition: (String) -> Bool) -> [String] {
        let deadline = Date().addingTimeInterval(timeout)
        var lines: [String] = []
        repeat {
            if let result = try? podman(["logs", container]) {
                lines = (result.stdout + "\n" + result.stderr).split(separator: "\n").map(String.init)
                if lines.contains(where: condition) { return lines }
            }
            _ = DispatchSemaphore(value: 0).wait(timeout: .now() + 0.1)
        } while Date() < deadline
        return lines
    }
}

/// What podman leaves to systemd timers and cannot do without systemd (as on these machines):
/// running each container's own healthcheck on an interval. A thread runs
/// `podman healthcheck run` for the named containers every half second until stopped or for at
/// most `limit` seconds; the check itself is the container's, as configured.
public final class HealthTicker: @unchecked Sendable {
    private let stopped = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    public init(_ containers: [String], limit: Double = 240) {
        let thread = Thread { [stopped, finished] in
            let deadline = Date().addingTimeInterval(limit)
            repeat {
                for container in containers { _ = try? Containers.podman(["healthcheck", "run", container], timeout: 10) }
            } while Date() < deadline && stopped.wait(timeout: .now() + 0.5) == .timedOut
            finished.signal()
        }
        thread.start()
    }

    public func stop() {
        stopped.signal()
        _ = finished.wait(timeout: .now() + 30)
    }
}

/// One compose project under a name of its own, run with docker-compose against podman's socket.
public struct ComposeProject: Sendable {
    public let name: String
    public let file: String
    public let environment: [String: String]

    public init(file: String, setup: Containers.Setup, environment: [String: String] = [:]) {
        name = "mctest\(UUID().uuidString.prefix(8).lowercased())"
        self.file = file
        var merged = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        merged["DOCKER_HOST"] = setup.dockerHost
        self.environment = merged
    }

    /// docker-compose 1.29 names a service's container PROJECT_SERVICE_1.
    public func container(_ service: String) -> String { "\(name)_\(service)_1" }

    @discardableResult
    public func run(_ arguments: [String], timeout: Double = 180) throws -> Command.Result {
        try Command.run(["docker-compose", "-p", name, "-f", file] + arguments, timeout: timeout, environment: environment)
    }

    /// `down -v`, then whatever is left under the project's label (containers, their volumes,
    /// networks): a failed test leaves nothing behind.
    public func remove() {
        _ = try? run(["--profile", "fix", "--profile", "probe", "down", "-v", "--remove-orphans", "-t", "5"], timeout: 120)
        let label = "label=com.docker.compose.project=\(name)"
        for kind in [["ps", "-a"], ["network", "ls"], ["volume", "ls"]] {
            let ids = ((try? Containers.podman(kind + ["-q", "--filter", label]).stdout) ?? "").split(separator: "\n").map(String.init)
            guard !ids.isEmpty else { continue }
            let remove = kind[0] == "ps" ? ["rm", "-f", "-v"] : [kind[0], "rm", "-f"]
            _ = try? Containers.podman(remove + ids, timeout: 120)
        }
    }
}
