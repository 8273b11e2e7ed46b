/// `--redact FIELD`: fields whose values never reach the recording, at any depth of the
/// arguments and answers, and the secrets seen passing through (the admin key, users' tokens),
/// wherever they turn up.
struct Redaction: Sendable {
    static let placeholder = "[redacted]"

    let fields: Set<String>

    /// Arguments without the redacted fields (inside arrays, which a pattern compares whole,
    /// their values become the placeholder), and whether any went: a pattern made from them
    /// must then be `argsContain`, to match whatever value the field has on replay.
    func arguments(_ args: ConvexObject) -> (args: ConvexObject, removedAny: Bool) {
        var removed = false
        let kept = without(args, removed: &removed)
        return (kept, removed)
    }

    private func without(_ object: ConvexObject, removed: inout Bool) -> ConvexObject {
        var kept: [(name: String, value: ConvexValue)] = []
        for (name, value) in object.fields {
            if fields.contains(name) {
                removed = true
                continue
            }
            kept.append((name, without(value, removed: &removed)))
        }
        return ConvexObject(kept)
    }

    private func without(_ value: ConvexValue, removed: inout Bool) -> ConvexValue {
        switch value {
        case .object(let object): return .object(without(object, removed: &removed))
        case .array(let items): return .array(items.map { replaced($0) })
        default: return value
        }
    }

    /// A value with every redacted field's value replaced by the placeholder.
    func replaced(_ value: ConvexValue) -> ConvexValue {
        switch value {
        case .object(let object):
            return .object(ConvexObject(object.fields.map { field in
                (field.name, fields.contains(field.name) ? .string(Self.placeholder) : replaced(field.value))
            }))
        case .array(let items):
            return .array(items.map(replaced))
        default:
            return value
        }
    }

    /// The config about to be written, with every string that holds one of `secrets` replaced
    /// by the placeholder: the last guard that a key or token never lands in a file.
    static func scrubbed(_ json: JSON, secrets: Set<String>) -> JSON {
        guard !secrets.isEmpty else { return json }
        switch json {
        case .string(let text):
            return secrets.contains(where: { text.contains($0) }) ? .string(placeholder) : json
        case .array(let items):
            return .array(items.map { scrubbed($0, secrets: secrets) })
        case .object(let members):
            return .object(members.map { ($0.key, scrubbed($0.value, secrets: secrets)) })
        default:
            return json
        }
    }
}
