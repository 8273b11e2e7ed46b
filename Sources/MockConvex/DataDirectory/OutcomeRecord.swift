/// A function's outcome as the data directory keeps it (the remembered first outcome of an
/// identified mutation): JSON holding the value in the encoded format, or the failure's
/// message, stack frames and ConvexError data, and the log lines.
enum OutcomeRecord {
    static func encode(_ outcome: FunctionOutcome) -> JSON {
        var members: [(key: String, value: JSON)]
        switch outcome.result {
        case .success(let value):
            members = [("value", value.exported(.encoded))]
        case .failure(let failure):
            members = [("error", .string(failure.message)), ("frames", .array(failure.frames.map(JSON.string)))]
            if let data = failure.data { members.append(("data", data.exported(.encoded))) }
        }
        members.append(("logLines", .array(outcome.logLines.map(JSON.string))))
        return .object(members)
    }

    /// Nil for a record that cannot be read.
    static func decode(_ json: JSON) -> FunctionOutcome? {
        guard case .array(let lines)? = json["logLines"] else { return nil }
        let logLines = lines.compactMap(\.stringValue)
        if let value = json["value"] {
            guard let converted = try? ConvexValue.importingStored(value) else { return nil }
            return FunctionOutcome(.success(converted), logLines: logLines)
        }
        guard case .string(let message)? = json["error"], case .array(let frames)? = json["frames"] else { return nil }
        let data = json["data"].flatMap { try? ConvexValue.importingStored($0) }
        return FunctionOutcome(.failure(JSFailure(message: message, frames: frames.compactMap(\.stringValue), data: data)), logLines: logLines)
    }
}
