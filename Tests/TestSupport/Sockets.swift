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

    public static func localPort(_ fd: Int32) -> Int {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
