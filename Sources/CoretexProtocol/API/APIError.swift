/// The body of every error response: `{"error": "...", "code": "..."}`.
///
/// `error` is the human-readable message (fixed plain-text messages, so scripts grepping for
/// them keep working); `code` is a stable machine-readable identifier (docs/http-api.md, "Errors").
public struct APIError: Codable, Sendable, Equatable, Error {
    public var error: String
    public var code: String

    public init(_ error: String, code: String) {
        self.error = error
        self.code = code
    }
}
