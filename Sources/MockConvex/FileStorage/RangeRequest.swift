/// One `Range` header as the backend handles it. It reads byte ranges with the `headers`
/// crate but passes `u64::MAX` as the file's length, which gives it its quirks: a suffix range
/// (`-5`) starts near `u64::MAX` and so returns nothing, `Content-Range` repeats the requested
/// bounds rather than the served ones, and a single range is never refused.
enum RangeRequest: Equatable {
    /// No `Range`, or one that does not start with `bytes=`: the whole file, status 200.
    case whole
    /// Zero or several usable specs: 416.
    case unsatisfiable
    /// Exactly one spec.
    case single(start: UInt64, end: UInt64?)

    init(header: String?) {
        guard let header, header.utf8.allSatisfy({ ($0 >= 0x20 && $0 < 0x7F) || $0 == 0x09 }), header.hasPrefix("bytes=") else {
            self = .whole
            return
        }
        var specs: [(UInt64, UInt64?)] = []
        for spec in header.dropFirst("bytes=".count).split(separator: ",", omittingEmptySubsequences: false) {
            let trimmed = spec.trimmingRustWhitespace()
            guard let dash = trimmed.firstIndex(of: "-") else { continue }
            let first = trimmed[..<dash]
            let last = trimmed[trimmed.index(after: dash)...]
            switch (first.isEmpty, last.isEmpty) {
            case (true, true):
                specs.append((0, nil))
            case (true, false):
                guard let suffix = Self.rustU64(last) else { continue }
                specs.append((UInt64.max - suffix, nil))
            case (false, true):
                guard let start = Self.rustU64(first) else { continue }
                specs.append((start, nil))
            case (false, false):
                guard let start = Self.rustU64(first), let end = Self.rustU64(last) else { continue }
                specs.append((start, end))
            }
        }
        guard specs.count == 1 else {
            self = .unsatisfiable
            return
        }
        self = .single(start: specs[0].0, end: specs[0].1)
    }

    /// The bytes of a file of `size` that a single range serves (possibly none).
    static func served(start: UInt64, end: UInt64?, size: Int) -> Range<Int> {
        let total = UInt64(size)
        let lower = min(start, total)
        let upper = min(end.map { $0 == .max ? .max : $0 + 1 } ?? total, total)
        return Int(lower)..<Int(max(lower, upper))
    }

    /// `bytes <start>-<end>/<size>`, with the requested bounds; an open end shows as size - 1.
    /// Only for a file that is not empty: the backend sends no Content-Range for an empty one
    /// (StorageRoutes answers 200 there), and `make fuzz` found the open end overflowing at 0.
    static func contentRange(start: UInt64, end: UInt64?, size: Int) -> String {
        precondition(size > 0, "an empty file has no Content-Range")
        return "bytes \(start)-\(end ?? UInt64(size) - 1)/\(size)"
    }

    /// Rust's `u64::from_str`: digits with an optional leading `+`; no spaces, no overflow.
    private static func rustU64(_ text: Substring) -> UInt64? {
        let digits = text.hasPrefix("+") ? text.dropFirst() : text
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return UInt64(digits)
    }
}

extension Substring {
    /// Rust's `str::trim`: Unicode white space at both ends.
    func trimmingRustWhitespace() -> Substring {
        var text = self
        while let first = text.unicodeScalars.first, first.properties.isWhitespace { text = text.dropFirst() }
        while let last = text.unicodeScalars.last, last.properties.isWhitespace { text = text.dropLast() }
        return text
    }
}
