import CLibevent

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a listener could not be opened, in terms a user can act on.
public struct ListenError: Error, CustomStringConvertible, Sendable {
    public enum Reason: Sendable, Equatable {
        case permissionDenied
        case addressInUse
        case addressNotAvailable
        case badAddress(String)
        case system(String)
    }

    public let listener: String
    public let host: String
    public let port: Int
    public let reason: Reason

    public var description: String {
        let place = "\(SocketAddressText.hostPort(host, port))"
        switch reason {
        case .permissionDenied:
            return "cannot listen on \(place) for \(listener): permission denied"
        case .addressInUse:
            return "cannot listen on \(place) for \(listener): the address is already in use"
        case .addressNotAvailable:
            return "cannot listen on \(place) for \(listener): no local interface has this address"
        case .badAddress(let detail):
            return "cannot listen on \(place) for \(listener): \(detail)"
        case .system(let detail):
            return "cannot listen on \(place) for \(listener): \(detail)"
        }
    }
}

/// Formatting of host and port the way URLs write them (IPv6 in brackets).
public enum SocketAddressText {
    public static func hostPort(_ host: String, _ port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

/// Listening sockets made by hand rather than by `evhttp_bind_socket`, because a port served by
/// several loops needs one socket per loop with SO_REUSEPORT set before bind.
enum ListenSocket {
    /// Binds `count` sockets to `host:port` and returns them listening, with the port they got
    /// (the kernel's choice when `port` is 0).
    ///
    /// With one socket, SO_REUSEPORT stays off so that a second process cannot share the port
    /// unnoticed. With several, a probe bind without it first checks that nobody else holds
    /// the port, since SO_REUSEPORT sockets of the same user would otherwise bind alongside.
    static func make(listener: String, host: String, port: Int, count: Int) throws(ListenError) -> (fds: [Int32], port: Int) {
        func fail(_ reason: ListenError.Reason) -> ListenError {
            ListenError(listener: listener, host: host, port: port, reason: reason)
        }
        guard (0...65535).contains(port) else { throw fail(.badAddress("a port is a number from 0 to 65535")) }
        let address = try resolve(host: host, port: port, fail: fail)
        var chosenPort = port
        if count > 1 {
            let probe = try openOne(address, port: port, reusePort: false, fail: fail)
            chosenPort = boundPort(probe)
            close(probe)
        }
        var fds: [Int32] = []
        do {
            for _ in 0..<count {
                let fd = try openOne(address, port: chosenPort, reusePort: count > 1, fail: fail)
                if chosenPort == 0 { chosenPort = boundPort(fd) }
                fds.append(fd)
            }
        } catch {
            fds.forEach { close($0) }
            throw error
        }
        return (fds, chosenPort)
    }

    private struct Address {
        var storage = sockaddr_storage()
        var length: socklen_t = 0
        var family: Int32 = 0
    }

    private static func resolve(host: String, port: Int, fail: (ListenError.Reason) -> ListenError) throws(ListenError) -> Address {
        var hints = addrinfo.streamHints(flags: AI_PASSIVE | AI_NUMERICSERV)
        var result: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &result)
        guard rc == 0, let info = result else {
            throw fail(.badAddress("\(String(cString: gai_strerror(rc))); give an IP address such as 127.0.0.1, 0.0.0.0 or ::"))
        }
        defer { freeaddrinfo(result) }
        var address = Address()
        address.family = info.pointee.ai_family
        address.length = info.pointee.ai_addrlen
        withUnsafeMutableBytes(of: &address.storage) { dest in
            dest.copyMemory(from: UnsafeRawBufferPointer(start: info.pointee.ai_addr, count: Int(info.pointee.ai_addrlen)))
        }
        return address
    }

    private static func openOne(_ address: Address, port: Int, reusePort: Bool, fail: (ListenError.Reason) -> ListenError) throws(ListenError) -> Int32 {
        #if canImport(Glibc)
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
        let fd = socket(address.family, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw fail(.system("socket: \(String(cString: strerror(errno)))")) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if reusePort {
            setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        if address.family == AF_INET6 {
            // Without this, binding :: would also take 0.0.0.0 and a later IPv4 bind would fail.
            setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        var storage = address.storage
        setPort(&storage, family: address.family, port: port)
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, address.length) }
        }
        guard bound == 0, listen(fd, 1024) == 0 else {
            let err = errno
            close(fd)
            switch err {
            case EACCES, EPERM: throw fail(.permissionDenied)
            case EADDRINUSE: throw fail(.addressInUse)
            case EADDRNOTAVAIL: throw fail(.addressNotAvailable)
            default: throw fail(.system(String(cString: strerror(err))))
            }
        }
        evutil_make_socket_nonblocking(fd)
        return fd
    }

    private static func setPort(_ storage: inout sockaddr_storage, family: Int32, port: Int) {
        withUnsafeMutablePointer(to: &storage) { pointer in
            if family == AF_INET6 {
                pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_port = in_port_t(port).bigEndian }
            } else {
                pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_port = in_port_t(port).bigEndian }
            }
        }
    }

    static func boundPort(_ fd: Int32) -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(fd, $0, &length) }
        }
        let family = Int32(storage.ss_family)
        return withUnsafePointer(to: &storage) { pointer in
            if family == AF_INET6 {
                pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            } else {
                pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
            }
        }
    }
}
