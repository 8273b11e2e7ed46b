import EventHTTP

/// Calls a function for an HTTP route, in the backend's order: arguments re-parsed (an HTTP
/// error), then the function looked up, its visibility and type checked, the arguments
/// converted and measured (each a function error), then the behaviour run, after its delay,
/// on the request's loop, and only if the request still waits for the answer then: the
/// backend drops a request's future when its client goes away, and with it the function.
final class FunctionCaller {
    /// How a route names a function it cannot find or may not call.
    enum Lookup {
        /// `/api/query`, `/api/mutation`, `/api/action`: only public functions, unless admin.
        case publicAPI(expected: FunctionSpec.Kind)
        /// `/api/function` and `/api/run`: any type; internal ones for admins only. A component
        /// other than the root (nil) has no functions: the app is all root.
        case anyFunction(component: String?)
        /// `/api/actions/query|mutation|action`: any visibility, the type the route names.
        case actionCallback(expected: FunctionSpec.Kind)
    }

    let deployment: Deployment
    /// The loop this caller's routes serve on, where answers that come from the database's
    /// writer are delivered.
    let loop: EventLoop

    init(deployment: Deployment, loop: EventLoop) {
        self.deployment = deployment
        self.loop = loop
    }

    /// Runs `body` with the identity `credentials` prove: within this call when that is known
    /// at once (anonymous, admin, a token whose provider's keys are kept), its errors thrown
    /// to the route as usual; otherwise once the provider's keys arrive, its errors then
    /// answered here. A request that stopped waiting meanwhile ignores the late answer.
    func authenticated(_ credentials: Credentials, for responder: Responder,
                       _ body: @escaping (Identity) throws(ConvexAPIError) -> Void) throws(ConvexAPIError) {
        var immediate: Result<Identity, ConvexAPIError>?
        var returned = false
        deployment.authenticate(credentials, on: loop) { result in
            guard returned else { return immediate = result }
            // Answered meanwhile (the request timeout, a fault, the client gone): nothing may
            // run for it any more, least of all a mutation.
            guard responder.isOpen else { return }
            do throws(ConvexAPIError) {
                try body(result.get())
            } catch {
                responder.send(error.response)
            }
        }
        returned = true
        if let immediate { try body(immediate.get()) }
    }

    /// The positional arguments: `args` as sent when it is an array, else `[args]`. Parsing
    /// that array again with the backend's nesting budget turns too-deep or out-of-range
    /// arguments into its 400.
    static func positionalArguments(_ raw: [UInt8]) throws(ConvexAPIError) -> [JSON] {
        let isArray = raw.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) == UInt8(ascii: "[")
        // A single value is parsed where it lies, one level of budget less for the array that
        // wraps it, rather than copied into brackets.
        if !isArray, let item = try? JSONReader.parse(raw, maxDepth: 127) { return [item] }
        guard isArray, case .array(let items)? = try? JSONReader.parse(raw) else {
            throw ConvexAPIError.badRequest("InvalidArguments", "Invalid arguments provided")
        }
        return items
    }

    /// Runs `path` for the request `responder` answers and hands the outcome to `completion`,
    /// at once or after the function's delay (then not at all if the request stopped waiting
    /// meanwhile); a failure to store its writes arrives as the HTTP error instead. A query
    /// reads the store as it was when it started, or as `snapshot` when given (a batch reads
    /// every query at one timestamp).
    func call(
        _ path: FunctionPath, arguments: [JSON], identity: Identity, lookup: Lookup, snapshot: DocumentStore? = nil,
        mutationIdentifier: String? = nil, for responder: Responder,
        completion: @escaping (Result<FunctionOutcome, ConvexAPIError>) -> Void
    ) {
        switch Self.prepare(path, arguments: arguments, identity: identity, lookup: lookup, registry: deployment.registry.registry) {
        case .failure(let failure):
            completion(.success(FunctionOutcome(.failure(failure))))
        case .success(let (spec, values)):
            let deployment = self.deployment
            let loop = self.loop
            // A query that answers at once runs under the lock and needs no copy of the store;
            // one that takes time keeps the store as it was when it started. Holding copies
            // only then keeps writers from copying tables while queries run.
            let readAt = spec.kind == .query ? snapshot ?? (spec.delayMs > 0 ? deployment.snapshot() : nil) : nil
            let execute = {
                guard spec.kind != .query else {
                    let outcome = readAt.map { deployment.runQuery(spec, path: path, arguments: values, identity: identity, on: $0) }
                        ?? deployment.runQuery(spec, path: path, arguments: values, identity: identity)
                    return completion(.success(outcome))
                }
                deployment.run(spec, path: path, arguments: values, identity: identity, identifier: mutationIdentifier, Reply(on: loop, completion))
            }
            guard spec.delayMs > 0 else { return execute() }
            responder.after(.milliseconds(spec.delayMs), execute)
        }
    }

    /// The function to run and its arguments as values, in the backend's order: looked up,
    /// its visibility and type checked, then the arguments converted and measured; or the
    /// function error that ends the call.
    static func prepare(_ path: FunctionPath, arguments: [JSON], identity: Identity, lookup: Lookup,
                        registry: FunctionRegistry) -> Result<(FunctionSpec, [ConvexValue]), JSFailure> {
        resolve(registry.function(path), path, identity: identity, lookup: lookup).flatMap { spec in
            let values: [ConvexValue]
            do throws(ValueImportError) {
                values = try ConvexValue.importingArguments(arguments)
            } catch {
                return .failure(JSFailure(message: "Invalid arguments for \(path.canonical): \(error.message)"))
            }
            let size = ConvexValue.array(values).size
            guard size <= ValueLimits.maxArgumentsSize else {
                let sizes = "actual: \(ByteCountText.binary(size)), limit: \(ByteCountText.binary(ValueLimits.maxArgumentsSize))"
                return .failure(JSFailure(message: "Arguments for \(path.canonical) are too large (\(sizes))"))
            }
            return .success((spec, values))
        }
    }

    private static func resolve(_ spec: FunctionSpec?, _ path: FunctionPath, identity: Identity, lookup: Lookup) -> Result<FunctionSpec, JSFailure> {
        switch lookup {
        case .publicAPI(let expected):
            guard let spec, spec.visibility == .public || identity.isAdmin else {
                return .failure(JSFailure(message: "Could not find public function for '\(path.stripped)'."))
            }
            guard spec.kind == expected else {
                return .failure(JSFailure(message: "Trying to execute \(path.canonical) as \(expected), but it is defined as \(spec.kind)."))
            }
            return .success(spec)
        case .actionCallback(let expected):
            guard let spec else {
                return .failure(JSFailure(message: "Could not find public function for '\(path.stripped)'."))
            }
            guard spec.kind == expected else {
                return .failure(JSFailure(message: "Trying to execute \(path.canonical) as \(expected), but it is defined as \(spec.kind)."))
            }
            return .success(spec)
        case .anyFunction(let component):
            guard component == nil, let spec, spec.visibility == .public || identity.isAdmin else {
                let inComponent = component.map { " in '\($0)'" } ?? ""
                return .failure(JSFailure(message: "Could not find function for '\(path.stripped)'\(inComponent). Did you forget to run `npx convex dev`?"))
            }
            return .success(spec)
        }
    }
}
