import EventHTTP

/// The checks the backend's extractors make before a handler runs, in their order.
enum RequestChecks {
    /// `MAX_BACKEND_PUBLIC_API_REQUEST_SIZE`: 16 MiB and a little.
    static let publicAPIBodyLimit = (1 << 24) + 2000

    /// `Authorization` syntax, or `?adminKey=` when there is no header: the backend reads the
    /// query string only then, so a repeated parameter beside a header goes unnoticed.
    static func credentials(_ request: HTTPRequest) throws(ConvexAPIError) -> Credentials {
        if let header = request.headers["Authorization"] {
            return try Credentials(header: header, adminKeyParameter: nil)
        }
        let keys = request.queryItems.filter { $0.name == "adminKey" }
        if keys.count > 1 {
            throw ConvexAPIError.badRequest("BadQueryArgs", "Failed to deserialize query string: duplicate field `adminKey`")
        }
        return try Credentials(header: nil, adminKeyParameter: keys.first?.value)
    }

    /// A JSON body: the content type says so (`application/json`, parameters and `+json`
    /// subtypes allowed) and it fits the limit.
    static func jsonBody(_ request: HTTPRequest) throws(ConvexAPIError) -> [UInt8] {
        guard let contentType = request.headers["Content-Type"], MediaType(parsing: contentType)?.isJSON == true else {
            throw ConvexAPIError.badRequest("BadJsonBody", "Expected request with `Content-Type: application/json`")
        }
        guard request.content.count <= publicAPIBodyLimit else {
            throw ConvexAPIError.badRequest("BadJsonBody", "Failed to buffer the request body: length limit exceeded")
        }
        return try body(of: request)
    }

    /// The body's bytes. A request already answered has none left to read; nobody hears the
    /// error then, so it is the plain 500.
    static func body(of request: HTTPRequest) throws(ConvexAPIError) -> [UInt8] {
        do {
            return try request.body()
        } catch {
            throw .internalServerError
        }
    }

    static func decode<T>(_ decoder: ([UInt8]) throws(RequestBodyError) -> T, _ body: [UInt8]) throws(ConvexAPIError) -> T {
        do {
            return try decoder(body)
        } catch {
            throw ConvexAPIError.badRequest("BadJsonBody", error.message)
        }
    }

    static func functionPath(_ text: String) throws(ConvexAPIError) -> FunctionPath {
        if let known = parsedPaths.withLock({ $0[text] }) { return known }
        do {
            let path = try FunctionPath(parsing: text)
            parsedPaths.withLock { cache in
                if cache.count >= 1024 { cache.removeAll(keepingCapacity: true) }
                cache[text] = path
            }
            return path
        } catch {
            throw ConvexAPIError.badRequest("BadConvexFunctionIdentifier", error.description)
        }
    }

    /// Paths parsed before: clients call the same few functions over and over, and parsing
    /// (with the backend's module-path rules) costs more than the rest of a small call.
    /// Bounded; only good paths are kept, so errors are always computed afresh.
    private static let parsedPaths = Locked<[String: FunctionPath]>([:])

    /// The requested value format, or the client's default. Checked after the function ran,
    /// as the backend checks it.
    static func format(_ name: String?, default fallback: ValueFormat) throws(ConvexAPIError) -> ValueFormat {
        guard let name else { return fallback }
        do {
            return try ValueFormat(parsing: name)
        } catch {
            throw ConvexAPIError.badRequest("BadFormat", error.message)
        }
    }
}
