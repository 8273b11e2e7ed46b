import Foundation
import Testing
import TestSupport

/// The image as `make image` builds it, run for real: podman with runc, docker-compose 1.29 on
/// podman's Docker socket, stand-ins for alpine/socat and nginx made of Debian's packages
/// (scripts/container-engine.sh). Serialized: the compose files publish 3210 and 3211.
@Suite(.serialized, .timeLimit(.minutes(5)), .enabled(if: Containers.available, Comment(rawValue: Containers.skipReason)))
struct ContainerRunTests {
    static let docker = ContainerTests.root.appendingPathComponent("docker").path
    var setup: Containers.Setup { get throws { try Containers.setup.get() } }

    /// The probe's table for the broken setup, as `docker compose run --rm probe` prints it.
    static let brokenProbe = """
        mockconvex probe: origin http://127.0.0.1, site http://127.0.0.1:3211
        node_storage_store                FAIL  fetch failed: connect ECONNREFUSED 127.0.0.1:80 (http://127.0.0.1/api/actions/storage_generate_upload_url)
        node_storage_get_url              FAIL  fetch failed: connect ECONNREFUSED 127.0.0.1:80 (http://127.0.0.1/api/actions/storage_get_url)
        node_storage_get_direct           FAIL  fetch failed: connect ECONNREFUSED 127.0.0.1:80 (http://127.0.0.1/api/actions/storage_get_url)
        node_storage_get_metadata         FAIL  fetch failed: connect ECONNREFUSED 127.0.0.1:80 (http://127.0.0.1/api/actions/storage_get_metadata)
        node_run_query                    FAIL  fetch failed: connect ECONNREFUSED 127.0.0.1:80 (http://127.0.0.1/api/actions/query)
        node_run_mutation                 FAIL  fetch failed: connect ECONNREFUSED 127.0.0.1:80 (http://127.0.0.1/api/actions/mutation)
        node_run_action                   FAIL  fetch failed: connect ECONNREFUSED 127.0.0.1:80 (http://127.0.0.1/api/actions/action)
        node_storage_via_http_workaround  ok    size 34
        node_storage_delete               FAIL  fetch failed: connect ECONNREFUSED 127.0.0.1:80 (http://127.0.0.1/api/actions/storage_delete)
        some direct steps failed
        """
    static let steps = ["node_storage_store", "node_storage_get_url", "node_storage_get_direct", "node_storage_get_metadata",
                        "node_run_query", "node_run_mutation", "node_run_action", "node_storage_via_http_workaround", "node_storage_delete"]

    /// Every step `ok`, the verdict last.
    func expectEveryStepSucceeded(_ probe: Command.Result, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(probe.status == 0, "\(probe.stdout)\n\(probe.stderr)", sourceLocation: sourceLocation)
        let lines = probe.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "mockconvex probe: origin http://127.0.0.1, site http://127.0.0.1:3211", sourceLocation: sourceLocation)
        #expect(lines.last == "every direct step succeeded", sourceLocation: sourceLocation)
        for step in Self.steps {
            #expect(lines.contains { $0.hasPrefix(step.padding(toLength: 34, withPad: " ", startingAt: 0) + "ok    ") }, "\(step)",
                    sourceLocation: sourceLocation)
        }
    }

    @Test func theImageIsSmallNonRootAndHealthCheckedByItself() throws {
        let image = try setup.image
        let inspect = try Containers.podman(["image", "inspect", image, "--format",
                                             "{{.Size}}|{{.Config.User}}|{{.Config.Healthcheck.Test}}|{{.Config.Volumes}}|{{.Config.StopSignal}}|{{.Config.Entrypoint}}|{{.Config.Cmd}}"])
        let fields = inspect.stdout.split(separator: "|").map(String.init)
        try #require(fields.count == 7, "\(inspect.stdout)\(inspect.stderr)")
        let size = try #require(Int(fields[0]))
        #expect(size <= 40_000_000, "\(size) bytes")
        #expect(fields[1] == "10001:10001")
        #expect(fields[2] == "[CMD mockconvex healthcheck]")
        #expect(fields[3] == "map[/convex/data:{}]")
        #expect(fields[4] == "SIGTERM")
        #expect(fields[5] == "[mockconvex]")
        #expect(fields[6] == "[--host 0.0.0.0 --data-dir /convex/data]")
    }

    /// Port 80 as user 10001 under podman (which leaves unprivileged ports starting at 1024),
    /// through the binary's file capability; and both stop signals end it with status 0.
    @Test(arguments: ["TERM", "INT"])
    func theDefaultCommandServesPort80AsNonRootAndStopsCleanly(signal: String) throws {
        let image = try setup.image
        let name = "mctest-\(UUID().uuidString.prefix(8).lowercased())"
        defer { _ = try? Containers.podman(["rm", "-f", "-v", name]) }
        let run = try Containers.podman(["run", "-d", "--name", name, image])
        try #require(run.status == 0, "\(run.stderr)")
        let log = Containers.waitForLog(name) { $0 == "mockconvex ready" }
        #expect(log.contains("mockconvex listening: port80 http://0.0.0.0:80"), "\(log)")
        // Real, effective, saved and file-system user of the server (the image has no cat; dash reads).
        let uid = try Containers.podman(["exec", name, "sh", "-c", "while read -r key value; do [ \"$key\" = Uid: ] && echo $value; done < /proc/1/status"])
        #expect(uid.stdout == "10001 10001 10001 10001", "\(uid.stderr)")

        // The self-hosted compose file's healthcheck command, and curl -f's answer to an error.
        let version = try Containers.podman(["exec", name, "sh", "-c", "curl -f http://localhost:80/version"])
        #expect(version.status == 0)
        #expect(version.stdout == "unknown")
        let missing = try Containers.podman(["exec", name, "sh", "-c", "curl -fsS http://localhost:3210/nothing"])
        #expect(missing.status == 22)
        #expect(missing.stderr == "curl: (22) The requested URL returned error: 404")
        #expect(try Containers.podman(["healthcheck", "run", name]).status == 0)
        #expect(Containers.health(name) == "healthy")

        let started = Date()
        #expect(try Containers.podman(["kill", "--signal", signal, name]).status == 0)
        let wait = try Containers.podman(["wait", name], timeout: 15)
        #expect(wait.stdout == "0", "\(wait.stderr)")
        #expect(Date().timeIntervalSince(started) < 10)
    }

    /// docker/docker-compose.yml: the broken setup, then the socat sidecar.
    @Test func theComposeWalkthroughFailsWithoutPort80AndTheSocatSidecarFixesIt() throws {
        let project = ComposeProject(file: Self.docker + "/docker-compose.yml", setup: try setup)
        defer { project.remove() }
        let ticker = HealthTicker([project.container("backend")])
        defer { ticker.stop() }

        let up = try project.run(["up", "-d", "--no-build", "backend"])
        try #require(up.status == 0, "\(up.stderr)")
        #expect(Containers.waitUntilHealthy(project.container("backend")) == "healthy")
        let broken = try project.run(["run", "--rm", "probe"])
        #expect(broken.status == 1)
        #expect(broken.stdout == Self.brokenProbe)

        let fix = try project.run(["--profile", "fix", "up", "-d", "--no-build"])
        #expect(fix.status == 0, "\(fix.stderr)")
        #expect(port80Answers(in: project.container("backend")))
        expectEveryStepSucceeded(try project.run(["run", "--rm", "probe"]))
    }

    /// docker/docker-compose.nginx.yml: nginx on port 80 in the backend's namespace.
    @Test func theNginxComposeFileFixesIt() throws {
        let project = ComposeProject(file: Self.docker + "/docker-compose.nginx.yml", setup: try setup)
        defer { project.remove() }
        let ticker = HealthTicker([project.container("backend")])
        defer { ticker.stop() }

        // docker-compose starts nginx once the backend is healthy.
        let up = try project.run(["up", "-d", "--no-build"])
        try #require(up.status == 0, "\(up.stderr)")
        #expect(Containers.health(project.container("backend")) == "healthy")
        #expect(port80Answers(in: project.container("backend")))
        expectEveryStepSucceeded(try project.run(["run", "--rm", "probe"]))
    }

    /// The real self-hosted compose file with mockconvex as its image (docker/self-hosted):
    /// healthy by its own shell-form curl check, `/version` on the published port, a mutation's
    /// document kept in the `data` volume across `down` and `up`, and
    /// `stop` (SIGINT, 10 s grace) ends it with status 0.
    @Test func theSelfHostedComposeFileRunsMockconvexAndKeepsItsData() throws {
        let project = ComposeProject(file: Self.docker + "/self-hosted/docker-compose.yml", setup: try setup)
        defer { project.remove() }
        let backend = project.container("backend")
        let ticker = HealthTicker([backend])
        defer { ticker.stop() }

        let up = try project.run(["up", "-d"])
        try #require(up.status == 0, "\(up.stderr)")
        #expect(Containers.waitUntilHealthy(backend) == "healthy")
        let check = try Containers.podman(["inspect", backend, "--format", "{{.Config.Healthcheck.Test}}|{{.Config.StopSignal}}"])
        #expect(check.stdout == "[CMD-SHELL curl -f http://localhost:3210/version]|2")
        #expect(try RawHTTP.get("/version", port: 3210).text == "unknown")

        let declare = try RawHTTP.send("PUT", "/_mock/functions/messages:send", port: 3210, body: Array(#"{"type":"mutation","insert":"messages"}"#.utf8))
        #expect(declare.status == 200, "\(declare)")
        let mutation = try RawHTTP.post("/api/mutation", port: 3210, json: #"{"path":"messages:send","args":{"body":"kept"},"format":"json"}"#)
        let id = String(try #require(mutation.text.firstMatch(of: /^\{"status":"success","value":"([a-z0-9]+)"\}$/)?.1))

        #expect(try project.run(["down"]).status == 0)
        #expect(try Containers.podman(["volume", "exists", "\(project.name)_data"]).status == 0)
        #expect(try project.run(["up", "-d"]).status == 0)
        #expect(Containers.waitUntilHealthy(backend) == "healthy")
        let state = try RawHTTP.get("/_mock/state", port: 3210).text
        #expect(state.contains(#""_id":"\#(id)","body":"kept"}]}"#), "\(state)")

        let started = Date()
        let stop = try project.run(["stop"], timeout: 30)
        #expect(stop.status == 0)
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(try Containers.podman(["inspect", backend, "--format", "{{.State.ExitCode}}"]).stdout == "0")
    }

    /// Polls port 80 in the container's network namespace (where the sidecar listens) until it
    /// answers `/version`, at most 30 s.
    private func port80Answers(in container: String) -> Bool {
        let deadline = Date().addingTimeInterval(30)
        repeat {
            if let result = try? Containers.podman(["exec", container, "curl", "-fsS", "http://127.0.0.1:80/version"]), result.stdout == "unknown" {
                return true
            }
            _ = DispatchSemaphore(value: 0).wait(timeout: .now() + 0.2)
        } while Date() < deadline
        return false
    }

    /// The trap of issue 4 in a container: bound to 127.0.0.1 (mockconvex's default), it is
    /// healthy inside yet refused through the published port; on 0.0.0.0 it answers.
    @Test func loopbackOnlyInsideTheContainerIsRefusedThroughThePublishedPort() throws {
        let image = try setup.image
        for host in ["127.0.0.1", "0.0.0.0"] {
            let name = "mctest-\(UUID().uuidString.prefix(8).lowercased())"
            defer { _ = try? Containers.podman(["rm", "-f", "-v", name]) }
            let port = try Sockets.unusedPort()
            let run = try Containers.podman(["run", "-d", "--name", name, "-p", "127.0.0.1:\(port):3210", image, "--host", host, "--no-port80"])
            try #require(run.status == 0, "\(run.stderr)")
            let log = Containers.waitForLog(name) { $0 == "mockconvex ready" }
            #expect(log.contains("mockconvex listening: admin http://\(host):3210"), "\(log)")
            #expect(try Containers.podman(["healthcheck", "run", name]).status == 0)

            let url = "http://127.0.0.1:\(port)/version"
            let outside = try Command.run([MockConvexProcess.binary, "healthcheck", "--url", url])
            if host == "127.0.0.1" {
                #expect(outside.status == 1)
                #expect(outside.stderr == "mockconvex healthcheck: \(url): connect ECONNREFUSED 127.0.0.1:\(port)")
            } else {
                #expect(outside.status == 0, "\(outside.stderr)")
                #expect(try RawHTTP.get("/version", port: port).text == "unknown")
            }
        }
    }
}
