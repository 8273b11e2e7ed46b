/// Where in the request body a decoding error happened, as serde_path_to_error 0.1.11
/// records and prints it: `queries[1].path`. A `?` stands for a key that could not be read
/// (or not yet), and a path made only of those is not printed at all.
struct SerdePath {
    enum Segment {
        case key(String)
        case index(Int)
        case unknownKey
    }

    private(set) var segments: [Segment] = []

    func appending(_ segment: Segment) -> SerdePath {
        var path = self
        path.segments.append(segment)
        return path
    }

    /// "queries[1].path: ", or "" when serde_path_to_error prints no path.
    var messagePrefix: String {
        guard segments.contains(where: { if case .unknownKey = $0 { false } else { true } }) else { return "" }
        var text = ""
        var separator = ""
        for segment in segments {
            switch segment {
            case .index(let index): text += "[\(index)]"
            case .key(let key): text += separator + key
            case .unknownKey: text += separator + "?"
            }
            separator = "."
        }
        return text + ": "
    }
}
