/// The config a recording is saved as: every function seen, with a case per distinct
/// arguments (a `sequence` in the case where the same arguments were answered differently over
/// time), and every HTTP action seen as an `httpRoutes` entry, merged into the config that was
/// in the file before, whose hand-written entries are kept.
struct RecordingConfig {
    var calls: [RecordedCall]
    var exchanges: [RecordedExchange]
    var redaction: Redaction
    /// The admin key and the users' tokens seen: never written.
    var secrets: Set<String>

    /// What the save did, for its log line and the control API's answer.
    struct Summary: Sendable, Equatable {
        var functions = 0
        var cases = 0
        var routes = 0
        /// Hand-written `sequence` functions the recording saw calls of but left as they were.
        var keptHandWritten: [String] = []
    }

    /// One case in the making: its pattern, and the answers its calls got in order.
    private struct Draft {
        var pattern: ConvexObject
        var containing: Bool
        var answers: [RecordedAnswer]

        var json: JSON {
            var members: [(key: String, value: JSON)] = [(containing ? "argsContain" : "args", ConvexValue.object(pattern).exported(.encoded))]
            if answers.allSatisfy({ $0 == answers[0] }) {
                members += answers[0].members
            } else {
                members.append(("sequence", .array(answers.map { JSON.object($0.members) })))
            }
            return .object(members)
        }
    }

    /// The config to write: `base` (the file's config before, or an empty object) with the
    /// recording merged in.
    func merged(into base: JSON) -> (config: JSON, summary: Summary) {
        var summary = Summary()
        var members = base.objectMembers ?? []
        let functions = functionEntries(base: members.value("functions")?.objectMembers ?? [], summary: &summary)
        let routes = routeEntries(base: members.value("httpRoutes").flatMap { if case .array(let items) = $0 { items } else { nil } } ?? [],
                                  summary: &summary)
        members.set("functions", .object(functions))
        if !routes.isEmpty { members.set("httpRoutes", .array(routes)) }
        return (.object(members), summary)
    }

    private func functionEntries(base: [(key: String, value: JSON)], summary: inout Summary) -> [(key: String, value: JSON)] {
        // Functions and their cases in the order first seen.
        var order: [String] = []
        var drafts: [String: [Draft]] = [:]
        var kinds: [String: FunctionSpec.Kind] = [:]
        for call in calls {
            let (redacted, removed) = redaction.arguments(call.args)
            guard case .object(let args) = Redaction.scrubbed(.object(redacted), secrets: secrets) else { continue }
            let answer: RecordedAnswer = switch call.answer {
            case .returns(let value): .returns(Redaction.scrubbed(redaction.replaced(value), secrets: secrets))
            case .throwsError(let message, let data):
                .throwsError(message: message.map { Redaction.scrubbed($0, secrets: secrets) },
                             data: data.map { Redaction.scrubbed(redaction.replaced($0), secrets: secrets) })
            }
            if drafts[call.path] == nil { order.append(call.path) }
            if kinds[call.path] == nil, let kind = call.kind { kinds[call.path] = kind }
            var list = drafts[call.path] ?? []
            if let index = list.firstIndex(where: { $0.containing == removed && ArgumentPattern.exactly($0.pattern).matches(args) }) {
                list[index].answers.append(answer)
            } else {
                list.append(Draft(pattern: args, containing: removed, answers: [answer]))
            }
            drafts[call.path] = list
        }
        var entries = base
        for path in order {
            let recorded = Self.mostSpecificFirst(drafts[path] ?? [])
            summary.functions += 1
            summary.cases += recorded.count
            let cases = recorded.map(\.json)
            // `messages.js:list` in the file is the `messages:list` recorded.
            guard let index = entries.firstIndex(where: { (try? FunctionPath(parsing: $0.key))?.stripped == path }),
                  var existing = entries[index].value.objectMembers else {
                // `/api/run` and `/api/function` take any type; an action is callable by both.
                let kind = kinds[path] ?? .action
                entries.append((path, .object([("type", .string(kind.rawValue)), ("cases", .array(cases))])))
                continue
            }
            if existing.value("sequence") != nil {
                summary.keptHandWritten.append(path)
                continue
            }
            // Hand-written cases stay, in their place, unless a recorded case has the same
            // `args`; the function's own behaviour stays as the fallback.
            var merged: [JSON] = if case .array(let items)? = existing.value("cases") { items } else { [] }
            for (draft, json) in zip(recorded, cases) {
                if let at = merged.firstIndex(where: { Self.sameArguments($0, draft) }) {
                    merged[at] = json
                } else {
                    merged.append(json)
                }
            }
            existing.set("cases", .array(merged))
            entries[index].value = .object(existing)
        }
        return entries
    }

    /// Cases with `args` (whole arguments) first, in the order first seen; then the `argsContain`
    /// ones redaction made, those with more fields first: a pattern that holds another's
    /// fields would otherwise answer its calls too on replay.
    private static func mostSpecificFirst(_ drafts: [Draft]) -> [Draft] {
        let exact = drafts.filter { !$0.containing }
        let containing = drafts.enumerated().filter { $0.element.containing }
            .sorted { (fieldCount(.object($0.element.pattern)), -$0.offset) > (fieldCount(.object($1.element.pattern)), -$1.offset) }
            .map(\.element)
        return exact + containing
    }

    private static func fieldCount(_ value: ConvexValue) -> Int {
        if case .object(let object) = value { return object.fields.reduce(object.fields.count) { $0 + fieldCount($1.value) } }
        return 0
    }

    /// Whether a case in the file has the same pattern as a recorded one.
    private static func sameArguments(_ entry: JSON, _ draft: Draft) -> Bool {
        guard let members = entry.objectMembers, let pattern = members.value(draft.containing ? "argsContain" : "args"),
              case .object(let fields)? = try? ConvexValue.importing(pattern) else { return false }
        return fields.count == draft.pattern.fields.count && ArgumentPattern.exactly(fields).matches(draft.pattern)
    }

    /// Routes in the file stay, except one with the same method and exact path as a recorded
    /// route, which it replaces in place. Of several answers to one route, the last is kept:
    /// a route has one answer.
    private func routeEntries(base: [JSON], summary: inout Summary) -> [JSON] {
        var latest: [String: RecordedExchange] = [:]
        var order: [String] = []
        for exchange in exchanges {
            let key = exchange.method + " " + exchange.path
            if latest[key] == nil { order.append(key) }
            latest[key] = exchange
        }
        var routes = base
        for key in order {
            guard let exchange = latest[key] else { continue }
            summary.routes += 1
            var scrubbedExchange = exchange
            scrubbedExchange.headers = exchange.headers.map { ($0.name, Redaction.scrubbed($0.value, secrets: secrets)) }
            scrubbedExchange.body = Redaction.scrubbed(exchange.body, secrets: secrets)
            let route = scrubbedExchange.route
            if let at = routes.firstIndex(where: { Self.sameRoute($0, exchange) }) {
                routes[at] = route
            } else {
                routes.append(route)
            }
        }
        return routes
    }

    private static func sameRoute(_ entry: JSON, _ exchange: RecordedExchange) -> Bool {
        guard let members = entry.objectMembers, case .string(let method)? = members.value("method"),
              case .string(let path)? = members.value("path") else { return false }
        return method.uppercased() == exchange.method && path == exchange.path
    }
}

extension Array where Element == (key: String, value: JSON) {
    /// Replaces the member named `key` in place, or appends it.
    mutating func set(_ key: String, _ value: JSON) {
        if let index = lastIndex(where: { $0.key == key }) { self[index].value = value } else { append((key, value)) }
    }
}
