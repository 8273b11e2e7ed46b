import ArgumentParser

struct MockConvexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mockconvex",
        abstract: "A stand-in for a self-hosted Convex backend, for testing clients and the proxies between them.",
        discussion: """
            Serves the admin API (3210), HTTP actions (3211) and, unless --no-port80, port 80, \
            answering as a self-hosted convex-local-backend does. `mockconvex --no-port80` \
            reproduces the setup where Node actions dial 127.0.0.1:80 and get ECONNREFUSED.
            """,
        subcommands: [ServeCommand.self, RecordCommand.self, ProbeCommand.self, HealthcheckCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}

/// A problem with the command line or the config: exit 2 with the message.
struct UsageError: Error, CustomStringConvertible {
    let description: String
}

/// A problem starting to serve (a port that cannot be bound): exit 1 with the message.
struct StartupError: Error, CustomStringConvertible {
    let description: String
}
