#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a response carries: bytes, a part of memory that outlives the send (handed to
/// libevent by reference, not copied), or a part of a file (sent with sendfile).
public enum ResponseBody: Sendable {
    case bytes([UInt8])
    case shared(SharedBytes, Range<Int>)
    case file(FileRegion)

    public var count: Int {
        switch self {
        case .bytes(let bytes): bytes.count
        case .shared(_, let range): range.count
        case .file(let region): region.length
        }
    }

    /// The bytes, read into an array (for tests and in-process callers; the server does not).
    public var bytes: [UInt8] {
        switch self {
        case .bytes(let bytes): bytes
        case .shared(let shared, let range): Array(shared.buffer[range])
        case .file(let region): region.read()
        }
    }
}

/// Immutable bytes at a fixed address, shareable with libevent without copying: an in-memory
/// blob that many responses may send at once.
public final class SharedBytes: Sendable {
    nonisolated(unsafe) private let storage: UnsafeMutableRawBufferPointer

    public init<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        storage = .allocate(byteCount: max(bytes.count, 1), alignment: 16)
        _ = storage.initializeMemory(as: UInt8.self, from: bytes)
        count = bytes.count
    }

    /// Fills `count` bytes by calling `fill` with the memory; for building without a copy.
    public init(count: Int, fill: (UnsafeMutableRawBufferPointer) -> Void) {
        storage = .allocate(byteCount: max(count, 1), alignment: 16)
        fill(UnsafeMutableRawBufferPointer(rebasing: storage[0..<count]))
        self.count = count
    }

    deinit { storage.deallocate() }

    public let count: Int

    public var buffer: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: storage[0..<count]) }
}

/// A part of an open file. The descriptor belongs to the region until it is sent, then to
/// libevent, which closes it; a region never sent closes it when released.
public final class FileRegion: Sendable {
    public let offset: Int
    public let length: Int
    private let descriptor: Locked<Int32?>

    /// Takes ownership of `fd`.
    public init(fd: Int32, offset: Int, length: Int) {
        descriptor = Locked(fd)
        self.offset = offset
        self.length = length
    }

    deinit {
        if let fd = descriptor.withLock({ $0 }) { close(fd) }
    }

    /// Hands the descriptor over; nil if it was already taken.
    func take() -> Int32? {
        descriptor.withLock { fd in
            defer { fd = nil }
            return fd
        }
    }

    func read() -> [UInt8] {
        guard let fd = descriptor.withLock({ $0 }) else { return [] }
        return [UInt8](unsafeUninitializedCapacity: length) { buffer, count in
            count = 0
            guard let base = buffer.baseAddress else { return }
            while count < length {
                let got = pread(fd, base + count, length - count, off_t(offset + count))
                if got <= 0 { break }
                count += got
            }
        }
    }
}
