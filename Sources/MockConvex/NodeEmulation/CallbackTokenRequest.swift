import EventHTTP

/// Where an emulated Node action outside the deployment (`mockconvex probe`) gets its
/// `Convex-Action-Callback-Token`: the backend hands one to every action it starts, and a
/// mockconvex deployment hands one to whoever asks its control API, at the same origin the
/// callbacks go to.
public enum CallbackTokenRequest {
    public enum Outcome: Sendable {
        case issued(String)
        /// No answer at all: the callbacks will fail the same way, which is what the probe reports.
        case unreachable
        /// An answer, but no token (the control API is off, or wants its bearer token).
        case refused(status: Int, body: String)
    }

    /// `POST {origin}/_mock/action-callback-token`, with `Authorization: Bearer <controlToken>`
    /// when given; `completion` runs on `client`'s loop.
    public static func send(_ client: HTTPClient, origin: String, controlToken: String?, timeout: Duration,
                            completion: @escaping (Outcome) -> Void) {
        var headers: HTTPHeaders = [:]
        if let controlToken { headers.add("Authorization", "Bearer \(controlToken)") }
        client.send(.POST, url: NodeRequest.url("/_mock/action-callback-token", origin: origin), headers: headers, timeout: timeout) { result in
            switch result {
            case .failure:
                completion(.unreachable)
            case .success(let response):
                if response.status == 200, case .string(let token)? = try? JSONReader.parse(response.body)["token"] {
                    completion(.issued(token))
                } else {
                    completion(.refused(status: response.status, body: response.text))
                }
            }
        }
    }
}
