import EventHTTP

/// The calls in a function-API request the upstream answered with 200, read with the same
/// decoders the served routes use: which function, its arguments, and the outcome in the
/// answer. A request or answer that does not read as one is not recorded (the client got the
/// upstream's answer all the same).
enum FunctionCallReading {
    /// A call read from the exchange: the recording decides whether a stub can answer it again.
    struct Call {
        let path: String
        let kind: FunctionSpec.Kind?
        let args: ConvexObject
        let outcome: FunctionOutcome
    }

    static func calls(path: String, body: [UInt8], response: [UInt8]) -> [Call] {
        guard let answer = try? JSONReader.parse(response, maxDepth: 256) else { return [] }
        switch path {
        case "/api/query", "/api/mutation", "/api/action":
            let kind = FunctionSpec.Kind(rawValue: String(path.dropFirst("/api/".count)))
            guard let call = try? RequestBodyDecoder.udfPostRequest(body) else { return [] }
            return one(call.path, call.args, kind: kind, answer: answer)
        case "/api/function":
            guard let call = try? RequestBodyDecoder.udfPostRequestWithComponent(body), call.componentPath?.isEmpty ?? true else { return [] }
            return one(call.path, call.args, kind: nil, answer: answer)
        case "/api/query_batch":
            guard let queries = try? RequestBodyDecoder.queryBatchArgs(body),
                  case .array(let results)? = answer.objectMembers?.value("results"), results.count == queries.count else { return [] }
            return zip(queries, results).flatMap { one($0.path, $0.args, kind: .query, answer: $1) }
        default:
            guard path.hasPrefix(RunPath.prefix), let wildcard = PathSegment.decoded(path.dropFirst(RunPath.prefix.count)),
                  let text = try? RunPath.functionPathText(wildcard), let call = try? RequestBodyDecoder.udfPostRequestArgsOnly(body) else { return [] }
            return one(text, call.args, kind: nil, answer: answer)
        }
    }

    private static func one(_ pathText: String, _ rawArgs: [UInt8], kind: FunctionSpec.Kind?, answer: JSON) -> [Call] {
        guard let path = try? FunctionPath(parsing: pathText), let args = arguments(rawArgs),
              let outcome = UpstreamOutcome.parse(answer) else { return [] }
        return [Call(path: path.stripped, kind: kind, args: args, outcome: outcome)]
    }

    /// A function's one arguments object, from `args` as sent (the object, or `[object]`).
    static func arguments(_ raw: [UInt8]) -> ConvexObject? {
        guard let positional = try? FunctionCaller.positionalArguments(raw) else { return nil }
        return arguments(positional)
    }

    static func arguments(_ positional: [JSON]) -> ConvexObject? {
        guard positional.count <= 1 else { return nil }
        guard let first = positional.first else { return ConvexObject() }
        guard case .object(let fields)? = try? ConvexValue.importing(first) else { return nil }
        return fields
    }
}
