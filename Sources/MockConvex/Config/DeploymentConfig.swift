/// The emulated app: its functions, HTTP action routes and seed documents. This is the
/// contract of `--config` files (see config/mockconvex.json and docs/config.md).
public struct DeploymentConfig: Sendable {
    /// In the order the config lists them.
    private(set) var functionPaths: [FunctionPath] = []
    private(set) var functions: [FunctionPath: FunctionSpec] = [:]
    var httpRoutes: [HTTPRouteSpec] = []
    /// The JSON each function and route was declared with, for the control API to list.
    private(set) var functionSources: [FunctionPath: JSON] = [:]
    var httpRouteSources: [JSON] = []
    /// Faults active from the start, as the control API takes them (checked when read).
    var faults: [JSON] = []
    /// Seed documents per table, in the order given.
    var documents: [(table: String, documents: [ConvexObject])] = []
    /// The debug routes apps add for the port-80 bug (`/debug/node-network-test`, ...).
    var debugRoutes = true
    /// `auth.providers`, as `convex/auth.config.ts` lists them.
    var authProviders: [AuthProvider] = []
    /// Seed files, in the order given.
    public var files: [SeedFileSpec] = []

    /// A file to put in storage at start: where to read it and the content type to store.
    public struct SeedFileSpec: Sendable, Equatable {
        /// Resolved against the config file's directory.
        public var path: String
        /// Normalised as an upload's would be.
        public var contentType: String?
        /// Where the config named it, for errors reading it.
        public var configPath: JSONPath
    }

    public init() {}

    /// How many functions and HTTP routes it declares, for the start-up report.
    public var counts: (functions: Int, httpRoutes: Int) { (functionPaths.count, httpRoutes.count) }

    mutating func setFunction(_ path: FunctionPath, _ spec: FunctionSpec, source: JSON? = nil) {
        if functions[path] == nil { functionPaths.append(path) }
        functions[path] = spec
        functionSources[path] = source
    }

    /// False if there was no such function.
    mutating func removeFunction(_ path: FunctionPath) -> Bool {
        guard functions.removeValue(forKey: path) != nil else { return false }
        functionSources[path] = nil
        functionPaths.removeAll { $0 == path }
        return true
    }

    /// Every table the config mentions, sorted, so table numbers do not depend on the order
    /// of keys in the file.
    var tables: [String] {
        let named = functions.values.compactMap(\.behaviour.table).filter { !FunctionSpec.readableSystemTables.contains($0) } + documents.map(\.table)
        return Set(named).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// Reads a config document, refusing anything that breaks the rules with the JSON path of
    /// the problem.
    /// `baseDirectory` is where relative seed file paths start: the config file's directory.
    /// The folder a config file's relative paths (seed files) are read from: the file's own.
    public static func baseDirectory(of path: String) -> String {
        FilePaths.directory(of: path)
    }

    public static func parse(_ bytes: [UInt8], baseDirectory: String = ".") throws(ConfigError) -> DeploymentConfig {
        try ConfigReader.read(try document(bytes), baseDirectory: baseDirectory)
    }

    /// The file's JSON, with the reader's nesting budget.
    static func document(_ bytes: [UInt8]) throws(ConfigError) -> JSON {
        do {
            return try JSONReader.parse(bytes, maxDepth: 256)
        } catch {
            throw ConfigError(.root, "not valid JSON: \(error)")
        }
    }
}
