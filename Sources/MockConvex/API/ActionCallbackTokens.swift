/// The `Convex-Action-Callback-Token` a Node action presents on every `/api/actions/*` call.
/// The backend issues one per action run and accepts only its own, for twice the action
/// timeout (2 × 1800 s); anything else is a plain 500, since to the backend a bad token is
/// infrastructure failing, not a client error. Here tokens are issued to the deployment's own
/// Node-action emulation and to tests that ask the control API
/// (`POST /_mock/action-callback-token`).
struct ActionCallbackTokens: Sendable {
    static let lifetimeSeconds: Int64 = 2 * 1800
    static let header = "Convex-Action-Callback-Token"

    private let tokens: SignedTokens

    init(instanceSecret: String, instanceName: String) {
        tokens = SignedTokens(instanceSecret: instanceSecret, instanceName: instanceName,
                              purpose: "action callback token", lifetimeSeconds: Self.lifetimeSeconds)
    }

    func issue(issuedAt seconds: Int64) -> String {
        tokens.issue(issuedAt: seconds)
    }

    /// Nil when `header` (the header's value, if any) is a token of this deployment still
    /// valid at `now`; otherwise the backend's answer.
    func check(_ header: String?, now seconds: Int64) -> ConvexAPIError? {
        guard let header, case .valid = tokens.check(header, now: seconds) else { return .internalServerError }
        return nil
    }
}
