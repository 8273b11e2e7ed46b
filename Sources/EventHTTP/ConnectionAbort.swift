/// Ways to end a request's connection without an HTTP answer, as a broken server or network
/// does: what fault injection needs and nothing in HTTP can express.
public enum ConnectionAbort: Sendable, Equatable {
    /// A TCP reset (SO_LINGER 0, then close): the client reads ECONNRESET.
    case reset
    /// An orderly close with nothing written: the client reads EOF ("socket hang up").
    case close
    /// These bytes, then an orderly close: the client's HTTP parser fails on them.
    case garbage([UInt8])
}

/// How to pace a response body: `chunkBytes` at a time (at least one), `pause` between them,
/// so the client sees a slow server rather than a slow network.
public struct Pacing: Sendable, Equatable {
    public let chunkBytes: Int
    public let pause: Duration

    public init(chunkBytes: Int, pause: Duration) {
        self.chunkBytes = max(chunkBytes, 1)
        self.pause = pause
    }
}
