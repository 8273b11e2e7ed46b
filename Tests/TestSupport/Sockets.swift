import Foundation

/// Facts about sockets read from the kernel, for waiting on what a server did without sleeps.
public enum Sockets {
    /// Waits (at most `timeout` seconds) until the server side of `connection` has read
    /// everything sent on it: its receive queue, as `ss` reports it, is empty. On loopback the
    /// bytes are queued when `send` returns, so an empty queue means the server read them.
    public static func waitUntilPeerHasRead(connection fd: Int32, serverPort: Int, timeout: Double = 10) -> Bool {
        let clientPort = localPort(fd)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let result = try? Command.run(["ss", "-Htn", "state", "established", "( sport = :\(serverPort) and dport = :\(clientPort) )"]),
               let fields = result.stdout.split(separator: "\n").first?.split(separator: " ", omittingEmptySubsequences: true),
               let receiveQueue = fields.first, receiveQueue == "0" {
                return true
            }
            usleep(2_000)
        }
        return false
    }

    /// The inode of this machine's IPv4 TCP socket from `localPort` to `remotePort`, as
    /// /proc/net/tcp lists it; nil when there is none (or it is no longer any process's: 0).
    public static func inode(localPort: Int, remotePort: Int) -> UInt64? {
        // Read to the end: files in /proc report a size of 0.
        guard let data = FileHandle(forReadingAtPath: "/proc/net/tcp")?.readDataToEndOfFile() else { return nil }
        let table = String(decoding: data, as: UTF8.self)
        for line in table.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count > 9,
                  let local = fields[1].split(separator: ":").last.flatMap({ Int($0, radix: 16) }),
                  let remote = fields[2].split(separator: ":").last.flatMap({ Int($0, radix: 16) }),
                  local == localPort, remote == remotePort,
                  let inode = UInt64(fields[9]), inode != 0 else { continue }
            return inode
        }
        return nil
    }

    /// True when a descriptor of this process refers to the socket with `inode`.
    public static func processHoldsSocket(inode: UInt64) -> Bool {
        let target = "socket:[\(inode)]"
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return descriptors.contains { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\($0)")) == target }
    }

    /// How many descriptors this process has open.
    public static func openDescriptorCount() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd"))?.count ?? 0
    }

    public static func localPort(_ fd: Int32) -> Int {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// A listening socket on a free loopback port that nobody accepts on: connects complete
    /// (the kernel's backlog takes them) and then nothing is ever answered.
    public static func listen() throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SocketError(message: "socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, Glibc.listen(fd, 16) == 0 else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw SocketError(message: "bind/listen: \(message)")
        }
        return (fd, localPort(fd))
    }

    /// A loopback port nothing listens on: one the kernel gave, then closed.
    public static func unusedPort() throws -> Int {
        let bound = try listen()
        close(bound.fd)
        return bound.port
    }

    public struct SocketError: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }
}
