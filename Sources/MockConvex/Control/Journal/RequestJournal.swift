import EventHTTP

/// The latest requests of every listener, at most `capacity` of them: a ring, so a long run
/// keeps the newest and its memory stays bounded.
final class RequestJournal: Sendable {
    static let defaultCapacity = 1000
    /// How much of each body is kept.
    static let previewBytes = 1024

    private struct Ring {
        var entries: [JournalEntry] = []
        /// Where the oldest entry is once the ring is full.
        var oldest = 0
        var nextSequence = 1
    }

    let capacity: Int
    private let ring = Locked(Ring())

    init(capacity: Int = RequestJournal.defaultCapacity) {
        self.capacity = max(0, capacity)
    }

    /// Gives the entry its sequence number and keeps it, dropping the oldest when full.
    func record(_ entry: JournalEntry) {
        guard capacity > 0 else { return }
        ring.withLock { ring in
            var entry = entry
            entry.sequence = ring.nextSequence
            ring.nextSequence += 1
            if ring.entries.count < capacity {
                ring.entries.append(entry)
            } else {
                ring.entries[ring.oldest] = entry
                ring.oldest = (ring.oldest + 1) % capacity
            }
        }
    }

    /// Newest first.
    var entries: [JournalEntry] {
        ring.withLock { ring in
            Array((ring.entries[ring.oldest...] + ring.entries[..<ring.oldest]).reversed())
        }
    }

    func clear() {
        ring.withLock { ring in
            ring.entries = []
            ring.oldest = 0
        }
    }

    /// What the journal keeps of a request's body: its size and a preview.
    static func preview(of body: RequestBody) -> (size: Int, text: String) {
        var kept: [UInt8] = []
        // Taken as the request arrives; a body already gone previews as nothing.
        try? body.forEachChunk { chunk in
            guard kept.count < previewBytes else { return }
            kept += chunk.prefix(previewBytes - kept.count)
        }
        return (body.count, String(decoding: kept, as: UTF8.self))
    }
}
