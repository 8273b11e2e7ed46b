import EventHTTP

/// `GET /_mock/faults`, `POST /_mock/faults` (one fault, or an array of them),
/// `DELETE /_mock/faults` (all) and `DELETE /_mock/faults/ID`.
extension ControlRoutes {
    static let faultsPath = "/_mock/faults"

    func registerFaults(on router: Router) {
        let faults = control.faults
        router.add(.GET, Self.faultsPath) { _, responder in
            responder.send(Self.ok(.object([("faults", .array(faults.rules.map(\.json)))])))
        }
        router.add(.POST, Self.faultsPath) { request, responder in
            let body = try Self.body(request)
            let given: [(JSON, JSONPath)] = if case .array(let items) = body {
                items.enumerated().map { ($1, JSONPath.root.index($0)) }
            } else {
                [(body, .root)]
            }
            // All or none: every fault is read before any is added.
            var rules: [FaultRule] = []
            for (value, path) in given {
                do throws(ConfigError) {
                    rules.append(try FaultRule.read(value, at: path, randomSeed: ControlAPI.randomSeed()))
                } catch {
                    throw Self.invalid("InvalidFault", error)
                }
            }
            let added = rules.map(faults.add)
            let answer: JSON = if case .array = body { .object([("faults", .array(added.map(\.json)))]) } else { added[0].json }
            responder.send(ConvexResponses.json(201, answer))
        }
        router.add(.DELETE, Self.faultsPath) { _, responder in
            let count = faults.rules.count
            faults.removeAll()
            responder.send(Self.ok(.object([("removed", .integer(Int64(count)))])))
        }
        router.add(.DELETE, prefix: Self.faultsPath + "/") { request, responder in
            let text = Self.remainder(of: request, after: Self.faultsPath + "/")
            guard let id = Int(text), faults.remove(id: id) else {
                throw ConvexAPIError.notFound("UnknownFault", "There is no fault with id \(text); GET /_mock/faults lists them")
            }
            responder.send(Self.ok(.object([("removed", .integer(1))])))
        }
    }
}
