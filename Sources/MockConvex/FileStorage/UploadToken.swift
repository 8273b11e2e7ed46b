/// Upload URL tokens (`?token=` of `/api/storage/upload`), valid for an hour as the backend's,
/// with the backend's answers to bad ones.
struct UploadTokens: Sendable {
    /// The backend's validity: an hour from issue, the last second excluded.
    static let lifetimeSeconds: Int64 = 3600

    private let tokens: SignedTokens

    init(instanceSecret: String, instanceName: String) {
        tokens = SignedTokens(instanceSecret: instanceSecret, instanceName: instanceName,
                              purpose: "store file authorization", lifetimeSeconds: Self.lifetimeSeconds)
    }

    func issue(issuedAt seconds: Int64) -> String {
        tokens.issue(issuedAt: seconds)
    }

    /// Nil when the token is good at `now`; otherwise the backend's answer.
    func check(_ token: String, now seconds: Int64) -> ConvexAPIError? {
        switch tokens.check(token, now: seconds) {
        case .valid: nil
        case .forged: .unauthenticated("StorageTokenInvalid", "Couldn't decode the StoreFileAuthorization token")
        // The backend's text has the braces: it is not a format string there.
        case .otherInstance: .unauthenticated("InvalidStorageToken", "Storage token is for invalid instance {instance_name}")
        case .noIssueTime: .internalServerError
        case .expired: .unauthenticated("StorageTokenExpired", "Store File Authorization expired")
        }
    }
}
