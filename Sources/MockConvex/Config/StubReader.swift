/// Reads a function's `cases` or `sequence` (and `afterLast`), the stubbed answers beside its
/// ordinary behaviour (see docs/stubs.md).
enum StubReader {
    static let keys = ["cases", "sequence", "afterLast"]

    /// The function's stub rule, or nil when it declares neither `cases` nor `sequence`.
    /// `otherBehaviours` are the behaviour keys the function also gives: a fallback for cases,
    /// a mistake beside a sequence.
    static func rule(in members: [(key: String, value: JSON)], otherBehaviours: [String], at path: JSONPath) throws(ConfigError) -> FunctionStubs.Rule? {
        let cases = members.value("cases")
        let sequence = members.value("sequence")
        if cases != nil && sequence != nil {
            throw ConfigError(path, "has both \"cases\" and \"sequence\"; give one: cases answer by the arguments, a sequence by the order of calls")
        }
        if sequence == nil, members.value("afterLast") != nil {
            throw ConfigError(path.key("afterLast"), "\"afterLast\" only applies to \"sequence\"")
        }
        if let cases {
            return .cases(try readCases(cases, at: path.key("cases")))
        }
        guard let sequence else { return nil }
        if let other = otherBehaviours.first {
            throw ConfigError(path.key(other), "a function with a \"sequence\" answers from it alone; make this an entry of the sequence, or use \"afterLast\" for what comes after it")
        }
        return .sequence(try readSequence(sequence, afterLast: members.value("afterLast"), at: path))
    }

    private static func readCases(_ value: JSON, at path: JSONPath) throws(ConfigError) -> [StubCase] {
        let items = try ConfigReader.array(value, at: path)
        guard !items.isEmpty else {
            throw ConfigError(path, "expected at least one case, such as {\"args\": {...}, \"returns\": ...}; remove \"cases\" to have none")
        }
        var cases: [StubCase] = []
        for (index, item) in items.enumerated() {
            let at = path.index(index)
            let members = try ConfigReader.object(item, at: at)
            try refuseStatefulBehaviours(in: members, at: at, place: "a case")
            try ConfigReader.allowOnly(["args", "argsContain", "sequence", "afterLast"] + FunctionStubs.answerKeys, in: members, at: at)
            let pattern = try readPattern(members, at: at)
            cases.append(StubCase(pattern: pattern, answer: try readCaseAnswer(members, at: at)))
        }
        return cases
    }

    /// A case answers with one behaviour, or with a `sequence` of them (and its `afterLast`)
    /// for the same arguments answered differently call after call.
    private static func readCaseAnswer(_ members: [(key: String, value: JSON)], at path: JSONPath) throws(ConfigError) -> StubCase.Answer {
        guard let sequence = members.value("sequence") else {
            if members.value("afterLast") != nil {
                throw ConfigError(path.key("afterLast"), "\"afterLast\" only applies to \"sequence\"")
            }
            return .behaviour(try readAnswer(members, at: path))
        }
        if let other = members.first(where: { FunctionStubs.answerKeys.contains($0.key) }) {
            throw ConfigError(path.key(other.key), "a case with a \"sequence\" answers from it alone; make this an entry of the sequence")
        }
        return .sequence(try readSequence(sequence, afterLast: members.value("afterLast"), at: path))
    }

    private static func readPattern(_ members: [(key: String, value: JSON)], at path: JSONPath) throws(ConfigError) -> ArgumentPattern {
        let exactly = members.value("args")
        let containing = members.value("argsContain")
        switch (exactly, containing) {
        case (let value?, nil): return .exactly(try argumentsObject(value, at: path.key("args")))
        case (nil, let value?): return .containing(try argumentsObject(value, at: path.key("argsContain")))
        case (nil, nil):
            throw ConfigError(path, "missing \"args\" (the whole arguments object) or \"argsContain\" (fields the arguments must have)")
        case (_?, _?):
            throw ConfigError(path, "has both \"args\" and \"argsContain\"; give one: \"args\" for the whole arguments object, \"argsContain\" for some of its fields")
        }
    }

    /// An object of Convex values in convex_encoded_json, as the arguments are compared.
    private static func argumentsObject(_ value: JSON, at path: JSONPath) throws(ConfigError) -> ConvexObject {
        guard let members = value.objectMembers else {
            throw ConfigError(path, "expected an object (a function's arguments are one object), got \(value.kindName)")
        }
        guard case .object(let fields) = try ConfigReader.convexValue(value, at: path) else {
            let marker = members.first?.key ?? ""
            throw ConfigError(path, "expected an object (a function's arguments are one object), got the encoded value {\"\(marker)\": ...}")
        }
        return fields
    }

    private static func readSequence(_ value: JSON, afterLast: JSON?, at path: JSONPath) throws(ConfigError) -> StubSequence {
        let items = try ConfigReader.array(value, at: path.key("sequence"))
        guard !items.isEmpty else {
            throw ConfigError(path.key("sequence"), "expected at least one entry, such as {\"returns\": ...}")
        }
        var entries: [FunctionSpec.Behaviour] = []
        for (index, item) in items.enumerated() {
            let at = path.key("sequence").index(index)
            let members = try ConfigReader.object(item, at: at)
            try refuseStatefulBehaviours(in: members, at: at, place: "a sequence entry")
            try ConfigReader.allowOnly(FunctionStubs.answerKeys, in: members, at: at)
            entries.append(try readAnswer(members, at: at))
        }
        let ending = try ConfigReader.choice(afterLast, at: path.key("afterLast"), default: StubSequence.AfterLast.repeat,
                                             expected: "\"repeat\" (keep answering with the last entry) or \"fail\" (fail every later call)")
        return StubSequence(entries: entries, afterLast: ending)
    }

    /// Exactly one of `returns`, `throws`, `echo`, `identity`, read as the function's own would be.
    private static func readAnswer(_ members: [(key: String, value: JSON)], at path: JSONPath) throws(ConfigError) -> FunctionSpec.Behaviour {
        let given = members.map(\.key).filter(FunctionStubs.answerKeys.contains)
        guard given.count == 1, let key = given.first, let value = members.value(key) else {
            throw ConfigError(path, given.isEmpty
                ? "missing an answer: one of \(FunctionStubs.answerKeys.joined(separator: ", "))"
                : "has several answers (\(given.joined(separator: ", "))); give exactly one")
        }
        return try FunctionSpecReader.readBehaviour(key, value, order: nil, at: path)
    }

    /// Table, storage and schedule behaviours read or write state, which a stub does not: they
    /// belong on the function itself, where they are the fallback of its cases.
    private static func refuseStatefulBehaviours(in members: [(key: String, value: JSON)], at path: JSONPath, place: String) throws(ConfigError) {
        if let stateful = members.first(where: { FunctionSpecReader.behaviourKeys.contains($0.key) && !FunctionStubs.answerKeys.contains($0.key) }) {
            throw ConfigError(path.key(stateful.key), "\(place) answers with \(FunctionStubs.answerKeys.joined(separator: ", ")); \"\(stateful.key)\" reads or writes state, so declare it on the function itself, where it answers the calls no case matches")
        }
    }
}
