/// `--redact FIELD`: fields whose values never reach the recording, at any depth of the
/// arguments and answers; and the secrets seen passing through (the admin key, users'
/// tokens), cut out of every recorded string.
struct Redaction: Sendable {
    static let placeholder = "[redacted]"

    let fields: Set<String>

    /// Arguments without the redacted fields, and whether any went: a pattern made from them
    /// must then be `argsContain`, to match whatever value the field has on replay. A field
    /// whose value is an array holding a redacted field goes whole: a pattern compares arrays
    /// whole, so a placeholder inside one would never match again.
    func arguments(_ args: ConvexObject) -> (args: ConvexObject, removedAny: Bool) {
        var removed = false
        let kept = without(args, removed: &removed)
        return (kept, removed)
    }

    private func without(_ object: ConvexObject, removed: inout Bool) -> ConvexObject {
        var kept: [(name: String, value: ConvexValue)] = []
        for (name, value) in object.fields {
            if fields.contains(name) || holdsRedactedFieldInAnArray(value) {
                removed = true
                continue
            }
            if case .object(let inner) = value {
                kept.append((name, .object(without(inner, removed: &removed))))
            } else {
                kept.append((name, value))
            }
        }
        return ConvexObject(kept)
    }

    private func holdsRedactedFieldInAnArray(_ value: ConvexValue, inArray: Bool = false) -> Bool {
        switch value {
        case .array(let items): return items.contains { holdsRedactedFieldInAnArray($0, inArray: true) }
        case .object(let object):
            return object.fields.contains { (inArray && fields.contains($0.name)) || holdsRedactedFieldInAnArray($0.value, inArray: inArray) }
        default: return false
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

    /// A value with every occurrence of a secret in its strings replaced by the placeholder:
    /// the guard that a key or token never lands in the file, even inside a longer text.
    static func scrubbed(_ value: ConvexValue, secrets: Set<String>) -> ConvexValue {
        guard !secrets.isEmpty else { return value }
        switch value {
        case .string(let text): return .string(scrubbed(text, secrets: secrets))
        case .array(let items): return .array(items.map { scrubbed($0, secrets: secrets) })
        case .object(let object):
            return .object(ConvexObject(object.fields.map { (scrubbed($0.name, secrets: secrets), scrubbed($0.value, secrets: secrets)) }))
        default: return value
        }
    }

    static func scrubbed(_ text: String, secrets: Set<String>) -> String {
        var text = text
        // Longest first, so a secret holding a shorter one is cut whole.
        for secret in secrets.sorted(by: { $0.count > $1.count }) where !secret.isEmpty && text.contains(secret) {
            text = text.replacing(secret, with: placeholder)
        }
        return text
    }
}
