/// The backend's rules for object field names: no leading `$` (reserved for the encoded
/// wrappers), only non-control ASCII, at most 1024 bytes. The empty name is allowed.
enum FieldNameRules {
    /// The reason `name` is not a valid field name, in the backend's words, checked in the
    /// backend's order; nil when it is valid.
    static func problem(with name: String) -> String? {
        let bytes = name.utf8
        if bytes.first == UInt8(ascii: "$") {
            return "Field name \(name) starts with '$', which is reserved."
        }
        if !bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            let bad = name.unicodeScalars.first { !$0.isASCII || $0.value < 0x20 || $0.value == 0x7F }!
            return "Field name \(name) has invalid character \(RustText.debugQuoted(bad)): "
                + "Field names can only contain non-control ASCII characters"
        }
        if bytes.count > ValueLimits.maxFieldNameLength {
            return "Field name is too long (\(bytes.count) > maximum \(ValueLimits.maxFieldNameLength))"
        }
        return nil
    }
}
