/// Requests whose body boundaries are ambiguous. libevent 2.1 reads the body by the first
/// `Content-Length`, or as chunked when `Transfer-Encoding` is exactly `chunked`, and ignores
/// the rest; a proxy in front may have framed the same bytes differently (request smuggling).
/// RFC 9112 section 6 makes each of these an unrecoverable error: answer 400 and close.
enum RequestFraming {
    /// What is wrong with the request's framing, said so the sender knows what to change; nil
    /// when it is sound.
    static func problem(in headers: HTTPHeaders) -> String? {
        let lengths = headers.values("Content-Length")
        let encodings = headers.values("Transfer-Encoding")
        // (Transfer-Encoding together with Content-Length libevent refuses itself.)
        if !encodings.isEmpty {
            // Codings are tokens, so dropping blanks leaves each one whole.
            let codings = encodings.flatMap { $0.split(separator: ",") }.map { $0.filter { $0 != " " && $0 != "\t" }.lowercased() }
            if codings != ["chunked"] {
                return "Transfer-Encoding \(encodings.joined(separator: ", ")) is not supported; send the body with Content-Length or with Transfer-Encoding: chunked alone"
            }
        }
        // Sets only when there is more than one: this runs for every request.
        if lengths.count > 1, Set(lengths).count > 1 {
            return "The request has Content-Length \(lengths.joined(separator: " and ")); send one Content-Length"
        }
        return nil
    }
}
