extension ConvexValue {
    /// The value as a response writes it. Objects come out in ConvexObject's bytewise order,
    /// which is the backend's order in every format.
    func exported(_ format: ValueFormat) -> JSON {
        switch format {
        case .encoded: encodedJSON()
        case .clean: cleanJSON()
        case .export: exportJSON()
        }
    }

    /// Lossless: every value that a plain JSON number or string cannot carry exactly is wrapped
    /// in a one-key object. This is also the form arguments arrive in.
    private func encodedJSON() -> JSON {
        switch self {
        case .null: .null
        case .int64(let number): Self.wrapped("$integer", Self.littleEndianBase64(UInt64(bitPattern: number)))
        case .float64(let number):
            Self.needsFloatWrapper(number)
                ? Self.wrapped("$float", Self.littleEndianBase64(number.bitPattern))
                : .number(number)
        case .boolean(let flag): .bool(flag)
        case .string(let text): .string(text)
        case .bytes(let bytes): Self.wrapped("$bytes", Base64.encode(bytes))
        case .array(let items): .array(items.map { $0.encodedJSON() })
        case .object(let object): .object(object.fields.map { (key: $0.name, value: $0.value.encodedJSON()) })
        }
    }

    /// Readable: int64 as a decimal string, bytes as bare base64, non-finite floats by name.
    /// Negative zero stays a number.
    private func cleanJSON() -> JSON {
        switch self {
        case .null: .null
        case .int64(let number): .string(String(number))
        case .float64(let number):
            if number.isNaN {
                .string("NaN")
            } else if number.isInfinite {
                .string(number < 0 ? "-Infinity" : "Infinity")
            } else {
                .number(number)
            }
        case .boolean(let flag): .bool(flag)
        case .string(let text): .string(text)
        case .bytes(let bytes): .string(Base64.encode(bytes))
        case .array(let items): .array(items.map { $0.cleanJSON() })
        case .object(let object): .object(object.fields.map { (key: $0.name, value: $0.value.cleanJSON()) })
        }
    }

    /// int64 as a JSON integer, finite floats (negative zero included) as numbers, and the
    /// encoded wrappers for non-finite floats and bytes.
    private func exportJSON() -> JSON {
        switch self {
        case .int64(let number): .integer(number)
        case .float64(let number) where !number.isFinite: encodedJSON()
        case .bytes: encodedJSON()
        case .array(let items): .array(items.map { $0.exportJSON() })
        case .object(let object): .object(object.fields.map { (key: $0.name, value: $0.value.exportJSON()) })
        case .null, .float64, .boolean, .string: cleanJSON()
        }
    }

    /// Negative zero, infinities and NaNs have no faithful JSON number.
    private static func needsFloatWrapper(_ number: Double) -> Bool {
        !number.isFinite || (number == 0 && number.sign == .minus)
    }

    private static func wrapped(_ key: String, _ text: String) -> JSON {
        .object([(key: key, value: .string(text))])
    }

    private static func littleEndianBase64(_ bits: UInt64) -> String {
        withUnsafeBytes(of: bits.littleEndian) { Base64.encode($0) }
    }
}

extension ConvexObject {
    func exported(_ format: ValueFormat) -> JSON {
        ConvexValue.object(self).exported(format)
    }
}
