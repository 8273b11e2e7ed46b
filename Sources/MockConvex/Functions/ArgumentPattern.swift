/// Which arguments a case answers, compared as Convex values (never as JSON text): an int64
/// is not a float64 (`2` is not `2.0`), `-0.0` is not `0.0`, and the order of an object's
/// fields does not matter.
enum ArgumentPattern: Sendable, Equatable {
    /// `args`: the whole arguments object equals this one.
    case exactly(ConvexObject)
    /// `argsContain`: every field given here is in the arguments with a value it contains
    /// (see `contains`); the arguments may have more fields.
    case containing(ConvexObject)

    var fields: ConvexObject {
        switch self {
        case .exactly(let fields), .containing(let fields): fields
        }
    }

    func matches(_ args: ConvexObject) -> Bool {
        switch self {
        case .exactly(let expected): args == expected
        case .containing(let expected): Self.contains(.object(args), expected: .object(expected))
        }
    }

    /// How close `args` came: the pattern's top-level fields that the arguments have with a
    /// matching value, the ones they lack or differ in, and (for `args`, which must be the
    /// whole object) the arguments' fields the pattern does not have.
    func comparison(with args: ConvexObject) -> (same: [String], different: [String], extra: [String]) {
        var same: [String] = []
        var different: [String] = []
        for field in fields {
            let found = args[field.name].map { actual in
                switch self {
                case .exactly: actual == field.value
                case .containing: Self.contains(actual, expected: field.value)
                }
            } ?? false
            if found { same.append(field.name) } else { different.append(field.name) }
        }
        let extra = if case .exactly(let expected) = self { args.names.filter { expected[$0] == nil } } else { [String]() }
        return (same, different, extra)
    }

    /// An object contains another when it has each of its fields with a value that contains
    /// the other's, at any depth; every other value (arrays included: they are lists, not
    /// sets of fields) must be equal. Recursion is bounded by the values' nesting, which the
    /// argument and config readers limit.
    static func contains(_ actual: ConvexValue, expected: ConvexValue) -> Bool {
        guard case .object(let expectedFields) = expected, case .object(let actualFields) = actual else {
            return actual == expected
        }
        return expectedFields.allSatisfy { field in
            actualFields[field.name].map { contains($0, expected: field.value) } ?? false
        }
    }
}
