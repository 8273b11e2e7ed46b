import Foundation

/// A network namespace of the test's own (`ip netns`), with loopback up: a separate host in
/// which port 80 is free and the real bind rules apply. Removed, with every process in it,
/// by `remove()` or when released.
public final class NetworkNamespace: @unchecked Sendable {
    private static let counter = Guarded(0)
    public let name: String
    private var removed = false

    public init() throws {
        let number = Self.counter.withLock { value -> Int in value += 1; return value }
        name = "mcx-\(getpid())-\(number)"
        let added = try Command.run(["ip", "netns", "add", name])
        guard added.status == 0 else { throw NamespaceError(message: "ip netns add \(name): \(added.stderr)") }
        try Command.run(["ip", "-n", name, "link", "set", "lo", "up"])
    }

    deinit { remove() }

    public struct NamespaceError: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// The prefix that runs a command inside the namespace.
    public var exec: [String] { ["ip", "netns", "exec", name] }

    @discardableResult
    public func run(_ arguments: [String], timeout: Double = 30) throws -> Command.Result {
        try Command.run(exec + arguments, timeout: timeout)
    }

    public func remove() {
        guard !removed else { return }
        removed = true
        if let pids = try? Command.run(["ip", "netns", "pids", name]) {
            for pid in pids.stdout.split(separator: "\n").compactMap({ Int32($0) }) { kill(pid, SIGKILL) }
        }
        _ = try? Command.run(["ip", "netns", "del", name])
        try? FileManager.default.removeItem(atPath: etcDirectory)
    }

    /// Where `ip netns exec` finds files to bind-mount over the real ones in /etc.
    private var etcDirectory: String { "/etc/netns/\(name)" }

    /// Gives what runs through `exec` its own /etc/hosts and /etc/resolv.conf (`ip netns exec`
    /// bind-mounts /etc/netns/NAME/FILE over /etc/FILE); removed with the namespace.
    public func setEtcFiles(hosts: String, resolvConf: String) throws {
        try FileManager.default.createDirectory(atPath: etcDirectory, withIntermediateDirectories: true)
        try hosts.write(toFile: etcDirectory + "/hosts", atomically: true, encoding: .utf8)
        try resolvConf.write(toFile: etcDirectory + "/resolv.conf", atomically: true, encoding: .utf8)
    }

    /// A UDP socket bound to `host:port` inside the namespace, for a test's own nameserver. It
    /// is made on a thread that joins the namespace for it (a socket stays in the namespace it
    /// was made in), so the test process itself stays where it is.
    public func udpSocket(host: String, port: Int) throws -> Int32 {
        let made = Guarded<Result<Int32, NamespaceError>?>(nil)
        let done = DispatchSemaphore(value: 0)
        let thread = Thread { [self] in
            defer { done.signal() }
            made.withLock { $0 = Result { () throws(NamespaceError) in try enterOnThisThread() }.flatMap { Self.bindUDP(host: host, port: port) } }
        }
        thread.start()
        guard done.wait(timeout: .now() + 10) == .success, let result = made.withLock({ $0 }) else {
            throw NamespaceError(message: "no socket from the thread that joined \(name)")
        }
        return try result.get()
    }

    /// Moves the calling thread (and only it) into the namespace: the sockets it makes from
    /// then on are the namespace's. For a thread of the test's own that ends after, such as an
    /// event loop's; never the test's own thread.
    public func enterOnThisThread() throws(NamespaceError) {
        let namespaceFile = open("/var/run/netns/\(name)", O_RDONLY | O_CLOEXEC)
        guard namespaceFile >= 0 else { throw NamespaceError(message: "open /var/run/netns/\(name): \(String(cString: strerror(errno)))") }
        defer { close(namespaceFile) }
        // Glibc's Swift module leaves setns out (it is behind _GNU_SOURCE); 0 joins whatever
        // kind of namespace the file is.
        typealias SetNamespace = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "setns") else {
            throw NamespaceError(message: "setns is not in the C library")
        }
        guard unsafeBitCast(symbol, to: SetNamespace.self)(namespaceFile, 0) == 0 else {
            throw NamespaceError(message: "setns: \(String(cString: strerror(errno)))")
        }
    }

    private static func bindUDP(host: String, port: Int) -> Result<Int32, NamespaceError> {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failure(NamespaceError(message: "socket: \(String(cString: strerror(errno)))")) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr(host)
        address.sin_port = in_port_t(UInt16(port)).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            let message = String(cString: strerror(errno))
            close(fd)
            return .failure(NamespaceError(message: "bind \(host):\(port): \(message)"))
        }
        return .success(fd)
    }
}
