import Foundation

/// The official JS client in a real headless Chromium, on a page served from an origin of its
/// own, as a dev server serves an app: Tests/Clients/browser/serve.py on another port of
/// 127.0.0.1 than mockconvex. The page, its steps and the client bundled for browsers are copied
/// into a temporary directory. The page POSTs each step's result to its own server, which
/// prints it as a line, so `step` reads results the moment they exist, with a bounded wait.
/// (A DOM dump with a virtual-time budget would have to guess when the page is finished, and
/// the DevTools protocol would need a WebSocket client of its own; this needs neither.)
///
/// Everything runs inside the caller's network namespace, so the browser's own background
/// traffic reaches nothing but what the test started. The browser also runs in a PID namespace
/// of its own: ending its first process ends every helper it forked, including the crash
/// handler, which detaches into a session of its own where a process group would miss it.
public final class BrowserPage: @unchecked Sendable {
    /// The page's origin, which the browser sends as `Origin`.
    public let origin: String
    private let directory: URL
    private let server: ClientScript
    private let browser = Process()
    private let browserErrors = LineCollector()
    private let browserExited = DispatchSemaphore(value: 0)
    private var stopped = false

    /// The client bundled for browsers, kept beside the Node bundle (so MOCKCONVEX_JS_CLIENT
    /// moves both).
    public static var bundle: String {
        URL(fileURLWithPath: ClientScript.jsClient).deletingLastPathComponent().appendingPathComponent("convex-browser.iife.js").path
    }

    private static var pageFiles: URL { ClientScript.root.appendingPathComponent("Tests/Clients/browser") }

    /// Serves the page in `namespace` and opens it in Chromium there, pointed at `convexURL`.
    public init(_ namespace: NetworkNamespace, convexURL: String) throws {
        guard FileManager.default.fileExists(atPath: Self.bundle) else {
            throw ClientScript.ScriptError.missing("no official JS client bundled for browsers at \(Self.bundle): it is kept at ../shared/clients beside the project; set MOCKCONVEX_JS_CLIENT to the Node bundle beside it")
        }
        let chromium = MockConvexProcess.which("chromium")
        guard FileManager.default.isExecutableFile(atPath: chromium) else {
            throw ClientScript.ScriptError.missing("no chromium: run `make test` (scripts/install-deps.sh installs Debian's chromium)")
        }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("mockconvex-browser-\(getpid())-\(UUID().uuidString)")
        let site = directory.appendingPathComponent("site")
        do {
            try FileManager.default.createDirectory(at: site, withIntermediateDirectories: true)
            for name in ["index.html", "steps.js"] {
                try FileManager.default.copyItem(at: Self.pageFiles.appendingPathComponent(name), to: site.appendingPathComponent(name))
            }
            try FileManager.default.copyItem(atPath: Self.bundle, toPath: site.appendingPathComponent("convex-browser.iife.js").path)
            server = try ClientScript(namespace.exec + [MockConvexProcess.which("python3"), Self.pageFiles.appendingPathComponent("serve.py").path, site.path])
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
        guard let origin = server.step("serving", timeout: 30)?["origin"] as? String else {
            let transcript = server.transcript
            server.stop()
            try? FileManager.default.removeItem(at: directory)
            throw ClientScript.ScriptError.missing("serve.py did not start serving the page:\n\(transcript)")
        }
        self.origin = origin
        // Every property is set: a throw from here on runs deinit, which stops both processes.
        try openPage(namespace, chromium: chromium, url: "\(origin)/index.html?convex=\(convexURL)")
    }

    private func openPage(_ namespace: NetworkNamespace, chromium: String, url: String) throws {
        let home = directory.appendingPathComponent("home")
        let command = namespace.exec + [
            "unshare", "--pid", "--fork", "--kill-child=SIGKILL", "--mount-proc",
            chromium,
            "--headless",
            // Chromium's sandbox refuses to run as root.
            "--no-sandbox",
            "--user-data-dir=\(directory.appendingPathComponent("profile").path)",
            "--no-first-run",
            // Update checks and the like have nowhere to go in the namespace; not trying saves time.
            "--disable-background-networking",
            // A container's /dev/shm is often too small for it.
            "--disable-dev-shm-usage",
            // The page's console, for the transcript.
            "--enable-logging=stderr", "--v=0",
            url,
        ]
        browser.executableURL = URL(fileURLWithPath: MockConvexProcess.which(command[0]))
        browser.arguments = Array(command.dropFirst())
        // The crash handler's database and any other per-user file land in the directory too.
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = home.path
        environment["XDG_CONFIG_HOME"] = home.appendingPathComponent(".config").path
        environment["XDG_CACHE_HOME"] = home.appendingPathComponent(".cache").path
        browser.environment = environment
        browser.standardOutput = FileHandle.nullDevice
        browser.standardInput = FileHandle.nullDevice
        let errors = Pipe()
        browser.standardError = errors
        browserErrors.follow(errors.fileHandleForReading)
        browser.terminationHandler = { [browserExited] _ in browserExited.signal() }
        try browser.run()
    }

    deinit { stop() }

    /// The JSON object the page reported for `step`, waiting at most `timeout` seconds. After
    /// the page's `done` or `error` the server has exited, and a missing step returns at once.
    public func step(_ step: String, timeout: Double = 30) -> [String: Any]? {
        server.step(step, timeout: timeout)
    }

    /// The page's reports, the server's log and the browser's (its console among it), for
    /// failure messages. Without a session bus the browser logs D-Bus errors at every start;
    /// they are left out.
    public var transcript: String {
        let browserLines = browserErrors.lines.filter { !$0.localizedCaseInsensitiveContains("dbus") }
        return ([server.transcript, "-- chromium --"] + browserLines).joined(separator: "\n")
    }

    /// Ends the browser and everything it forked (SIGKILL: children inherit the test runner's
    /// blocked signal mask, so a SIGTERM could stay pending), the server, and the directory.
    public func stop() {
        guard !stopped else { return }
        stopped = true
        if browser.isRunning {
            // Chromium is `unshare`'s only child and the first process of the PID namespace:
            // once it is dead, the kernel has ended every other process in that namespace.
            let chromium = Self.children(of: browser.processIdentifier)
            kill(browser.processIdentifier, SIGKILL)
            _ = browserExited.wait(timeout: .now() + 10)
            for pid in chromium {
                kill(pid, SIGKILL)
                _ = MockConvexProcess.waitUntilDead(pid)
            }
        }
        server.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    private static func children(of pid: Int32) -> [Int32] {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
        return text.split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }
}
