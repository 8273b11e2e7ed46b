import ArgumentParser
import EventHTTP
import Logging
import MockConvex

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Serving is the default subcommand, so `mockconvex --no-port80` works. Flags mirror the real
/// `convex-local-backend` where it has one; the self-hosted image's environment variables are
/// read when a flag is absent.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Serve the emulated deployment (the default).")

    @Option(help: "Admin / cloud API port. 0 picks a free port.")
    var port = 3210

    @Option(name: .customLong("site-proxy-port"), help: "HTTP-action port. 0 picks a free port.")
    var siteProxyPort = 3211

    @Flag(name: .customLong("no-port80"), help: "Leave port 80 unserved, as in the broken self-hosted setup: connections to it are refused.")
    var noPort80 = false

    @Option(name: .customLong("port80-port"), help: "The port that stands for port 80, so tests need no privileges. 0 picks a free port.")
    var port80Port = 80

    @Option(help: "Bind address for every listener (the container image passes 0.0.0.0).")
    var host = "127.0.0.1"

    @Option(name: .customLong("convex-origin"), help: "Where Node actions call back and storage URLs point (env CONVEX_CLOUD_ORIGIN). Default http://127.0.0.1: no port, so port 80.")
    var convexOrigin: String?

    @Option(name: .customLong("convex-site"), help: "The HTTP-action origin (env CONVEX_SITE_ORIGIN). Default http://127.0.0.1:<site port>.")
    var convexSite: String?

    @Option(name: .customLong("instance-name"), help: "Deployment name (env INSTANCE_NAME). Default convex-self-hosted.")
    var instanceName: String?

    @Option(name: .customLong("instance-secret"), help: "64 hex characters (env INSTANCE_SECRET). Default: a random one.")
    var instanceSecret: String?

    @Option(name: .customLong("admin-key"), help: "The key `Authorization: Convex <key>` must carry. Default: one of the real form, generated and printed at start.")
    var adminKey: String?

    @Option(help: "JSON file declaring the app's functions, HTTP routes and seed documents.")
    var config: String?

    @Option(help: "Event loops serving every port.")
    var threads = 1

    @Option(name: .customLong("max-body-bytes"), help: "Request bodies over this are answered 413.")
    var maxBodyBytes = 64 << 20

    @Option(name: .customLong("max-upload-bytes"), help: "Storage uploads over this are answered 413.")
    var maxUploadBytes = 64 << 20

    @Option(name: .customLong("data-dir"), help: "Keep documents, files and the instance secret here across restarts. Default: everything in memory.")
    var dataDir: String?

    @Option(name: .customLong("request-timeout"), help: "Seconds before an unanswered request gets 408 (env HTTP_SERVER_TIMEOUT_SECONDS). Default 300.")
    var requestTimeout: Int?

    @Option(name: .customLong("read-timeout"), help: "Seconds a request (head and body) may take to arrive after its first byte; a slower one gets 408 and its connection is closed.")
    var readTimeout = 60

    @Option(name: .customLong("idle-timeout"), help: "Seconds a connection may stay silent (idle keep-alive, or stalled mid-request) before it is closed.")
    var idleTimeout = 60

    @Option(name: .customLong("send-timeout"), help: "Seconds a sync client may leave over 256 KiB of updates unread before it is closed with 1008; meanwhile its updates are held and merged.")
    var sendTimeout = 30

    @Option(name: .customLong("control-token"), help: "Make every /_mock/ control route require Authorization: Bearer <token>.")
    var controlToken: String?

    @Flag(name: .customLong("no-control-api"), help: "Remove the /_mock/ control API (journal, listener switches, faults, reset): those paths answer 404.")
    var noControlAPI = false

    @Option(name: .customLong("journal-size"), help: "Requests the journal keeps (the newest). Default 1000.")
    var journalSize = 1000

    @Flag(name: .customLong("metrics"), inversion: .prefixedEnableDisable, help: "Serve /metrics (env DISABLE_METRICS_ENDPOINT; off by default, as in the compose file).")
    var metrics: Bool?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical. Requests are logged at info.")
    var logLevel: Logger.Level = .info

    @Option(name: .customLong("log-format"), help: "text or json (one object per line).")
    var logFormat: LogFormat = .text

    @OptionGroup var outboundTLS: OutboundTLSOptions

    func run() throws {
        try serve()
    }

    /// Serves until SIGTERM or SIGINT, then drains. `record` passes its recording (in the
    /// settings) and saves it once the server has stopped, so no answer is still on its way.
    func serve(recording: Recording? = nil) throws {
        var setup = try ServeSetup(self, environment: Environment.current)
        setup.settings.recording = recording
        let seedFiles = try setup.seedFiles()
        let (logger, logSink) = try Logging.bootstrap(format: logFormat, level: logLevel)
        // Last of all, after anything that logs: what is buffered is written before the exit.
        defer { logSink.close() }
        // Signals are taken on this thread only: block them before the loop threads exist so
        // they inherit the mask.
        let signals = SignalWaiter(SIGTERM, SIGINT)
        let deployment: Deployment
        do {
            var directory: DataDirectory?
            if let path = setup.dataDirectory {
                let opened = try DataDirectory(path: path)
                let adopted = try opened.adoptInstanceSecret(given: setup.givenSecret, otherwise: setup.settings.instanceSecret)
                if adopted.replacedStored {
                    logger.warning("the instance secret differs from the one kept in the data directory; upload URLs issued before no longer work", metadata: ["data-dir": "\(path)"])
                }
                setup.settings.adopt(instanceSecret: adopted.secret, adminKeyGiven: adminKey != nil)
                directory = opened
            }
            deployment = try Deployment(settings: setup.settings, config: setup.config, seedFiles: seedFiles, directory: directory)
        } catch {
            throw StartupError(description: "cannot use --data-dir: \(error)")
        }
        for row in deployment.unreadableRows {
            logger.warning("left out \(row) of the data directory: it cannot be read", metadata: ["data-dir": "\(setup.dataDirectory ?? "")"])
        }
        // The key this server takes, generated or given (and kept by a data directory), is never recorded.
        recording?.noteSecret(setup.settings.adminKey)
        let accessLog = logLevel <= .info ? logSink.access : nil
        let server = MockConvexServer(deployment: deployment, options: setup.options, accessLog: accessLog)
        do {
            try server.start()
        } catch let error as ListenError {
            throw StartupError(description: StartupAdvice.explain(error))
        }
        StartupReport.print(server: server, setup: setup, adminKeyGenerated: adminKey == nil)

        let signal = signals.wait()
        logger.notice("stopping", metadata: ["signal": "\(signal == SIGTERM ? "SIGTERM" : "SIGINT")"])
        server.shutdown(grace: .milliseconds(4500))
        server.wait()
        deployment.close()
        if let recording {
            let saved = try recording.save()
            logger.notice("recording saved", metadata: ["path": "\(saved.path)", "functions": "\(saved.functions)", "cases": "\(saved.cases)",
                                                       "routes": "\(saved.routes)", "not-recorded": "\(saved.skipped)"])
        }
    }
}

enum LogFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
