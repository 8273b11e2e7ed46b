/// A function's address, `dir/module:function`, in the canonical form the backend keys
/// functions by: the module always ends in `.js`, and a bare module means its `default` export.
struct FunctionPath: Sendable, Hashable, CustomStringConvertible {
    /// With `.js`: `messages.js`, `dir/module.js`.
    let module: String
    let function: String

    /// Parses as the backend does (`UdfPath::from_str`): split on the last `:`, check the module
    /// path, then the function name. A failure's `reason` is the backend's sentence.
    init(parsing text: String) throws(FunctionPathError) {
        let (modulePart, functionPart): (Substring, Substring?) =
            if let colon = text.lastIndex(of: ":") {
                (text[..<colon], text[text.index(after: colon)...])
            } else {
                (Substring(text), nil)
            }
        do {
            module = try ModulePathRules.canonicalize(String(modulePart))
            if let functionPart {
                try IdentifierRules.check(String(functionPart))
                function = String(functionPart)
            } else {
                function = "default"
            }
        } catch {
            throw FunctionPathError(path: text, reason: error.reason)
        }
    }

    init(module: String, function: String) {
        self.module = module
        self.function = function
    }

    /// `messages.js:list`: how the backend names a function in validation and argument errors.
    var canonical: String { "\(module):\(function)" }

    /// `messages:list`, or `messages` for a default export: how "not found" messages name it.
    var stripped: String {
        let base = module.hasSuffix(".js") ? String(module.dropLast(3)) : module
        return function == "default" ? base : "\(base):\(function)"
    }

    var description: String { stripped }

    /// The module without `.js`, as source files are named (`messages`, `dir/module`).
    var moduleName: String { module.hasSuffix(".js") ? String(module.dropLast(3)) : module }
}

struct FunctionPathError: Error, Sendable, Equatable, CustomStringConvertible {
    let path: String
    let reason: String

    /// The `BadConvexFunctionIdentifier` message.
    var description: String { "\(path) is not a valid path to a Convex function. \(reason)" }
}

struct PathRuleError: Error {
    let reason: String
}

/// Module paths follow Rust's `std::path` reading of the text, since that is what the backend
/// checks them with: `.` and `..` components, a leading `/`, and the file extension.
enum ModulePathRules {
    static func canonicalize(_ path: String) throws(PathRuleError) -> String {
        let components = RustPathComponents(path)
        guard let fileName = components.fileName else {
            throw PathRuleError(reason: "Module path \(path) doesn't have a filename.")
        }
        let fileExtension = Self.fileExtension(fileName)
        if let fileExtension, fileExtension != "js" {
            throw PathRuleError(reason: "Module path (\(path)) has an extension that isn't 'js'.")
        }
        for component in components.items {
            switch component {
            case .normal: continue
            case .root: throw PathRuleError(reason: "Module paths must be relative (\(path) is absolute).")
            case .current: throw PathRuleError(reason: "Invalid path component CurDir in \(path).")
            case .parent: throw PathRuleError(reason: "Invalid path component ParentDir in \(path).")
            }
        }
        var names = components.items.compactMap { if case .normal(let name) = $0 { name } else { nil } }
        if fileExtension == nil { names[names.count - 1] += ".js" }
        for name in names { try checkComponent(name) }
        return names.joined(separator: "/")
    }

    /// Rust's `Path::extension`: the text after the last dot, unless the only dot leads the name.
    static func fileExtension(_ name: String) -> String? {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        return String(name[name.index(after: dot)...])
    }

    static func checkComponent(_ name: String) throws(PathRuleError) {
        if name.utf8.count > IdentifierRules.maxLength {
            throw PathRuleError(reason: "Path component is too long (\(name.utf8.count) > maximum \(IdentifierRules.maxLength)): \(String(decoding: name.utf8.prefix(IdentifierRules.maxLength), as: UTF8.self))...")
        }
        guard name.unicodeScalars.allSatisfy({ $0.isASCIIAlphanumeric || $0 == "_" || $0 == "." }) else {
            throw PathRuleError(reason: "Path component \(name) can only contain alphanumeric characters, underscores, or periods.")
        }
        guard name.unicodeScalars.contains(where: \.isASCIIAlphanumeric) else {
            throw PathRuleError(reason: "Path component \(name) must have at least one alphanumeric character.")
        }
    }
}

/// The parts of a path as Rust's `Path::components` yields them: repeated and trailing
/// slashes vanish, and so does `.` anywhere but at the start.
struct RustPathComponents {
    enum Component: Equatable {
        case root, current, parent
        case normal(String)
    }

    let items: [Component]

    init(_ path: String) {
        var items: [Component] = []
        if path.hasPrefix("/") { items.append(.root) }
        for (index, part) in path.split(separator: "/", omittingEmptySubsequences: true).enumerated() {
            switch part {
            case ".": if index == 0 && items.isEmpty { items.append(.current) }
            case "..": items.append(.parent)
            default: items.append(.normal(String(part)))
            }
        }
        self.items = items
    }

    var fileName: String? {
        if case .normal(let name)? = items.last { return name }
        return nil
    }
}

/// Function names (and other identifiers) as the backend checks them.
enum IdentifierRules {
    static let maxLength = 64

    static func check(_ name: String) throws(PathRuleError) {
        guard let first = name.unicodeScalars.first else {
            throw PathRuleError(reason: "Identifier cannot be empty")
        }
        guard first.isASCIIAlphabetic || first == "_" else {
            throw PathRuleError(reason: "Invalid first character \(rustCharDebug(first)) in \(name): Identifiers must start with an alphabetic character or underscore")
        }
        if let bad = name.unicodeScalars.dropFirst().first(where: { !($0.isASCIIAlphanumeric || $0 == "_") }) {
            throw PathRuleError(reason: "Identifier \(name) has invalid character \(rustCharDebug(bad)): Identifiers can only contain alphanumeric characters or underscores")
        }
        if name.utf8.count > maxLength {
            throw PathRuleError(reason: "Identifier is too long (\(name.utf8.count) > maximum \(maxLength))")
        }
        if name.unicodeScalars.allSatisfy({ $0 == "_" }) {
            throw PathRuleError(reason: "Identifier \(name) cannot have exclusively underscores")
        }
    }

    /// Rust's `{:?}` for a char: single quotes, with quotes, backslashes and controls escaped.
    static func rustCharDebug(_ scalar: Unicode.Scalar) -> String {
        switch scalar {
        case "'": return "'\\''"
        case "\\": return "'\\\\'"
        case "\n": return "'\\n'"
        case "\r": return "'\\r'"
        case "\t": return "'\\t'"
        case "\0": return "'\\0'"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7F {
                return "'\\u{\(String(scalar.value, radix: 16))}'"
            }
            return "'\(scalar)'"
        }
    }
}

extension Unicode.Scalar {
    var isASCIIAlphabetic: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
    var isASCIIAlphanumeric: Bool { isASCIIAlphabetic || ("0"..."9").contains(self) }
}
