import CoretexProtocol
import Foundation

/// What can go wrong talking to the gateway, sorted by what the operator should do about it.
public enum ClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No connection at all: the gateway is down or the URL is wrong.
    case unreachable(url: String, detail: String)
    /// 401/403: the API key is missing or wrong.
    case unauthorized(String)
    /// 404: the job, pointer, entry… does not exist.
    case notFound(String)
    /// Any other 4xx: the request itself was refused (the gateway's message and code).
    case rejected(status: Int, APIError)
    /// 5xx or a reply we could not read.
    case server(status: Int, String)

    public var description: String {
        switch self {
        case .unreachable(let url, let detail):
            "cannot reach the gateway at \(url) (\(detail)); is it running? (`make run`, or set --gateway / CTX_GATEWAY)"
        case .unauthorized(let message):
            "unauthorised: \(message) (set --api-key or CORETEX_API_KEY, or the context's api_key)"
        case .notFound(let message): message
        case .rejected(_, let error): error.error
        case .server(let status, let message): "gateway error \(status): \(message)"
        }
    }

    /// Builds the error for a non-2xx reply from its JSON body (`{"error","code"}`) or text.
    static func from(status: Int, body: [UInt8]) -> ClientError {
        let apiError =
            (try? JSONDecoder().decode(APIError.self, from: Data(body)))
            ?? APIError(String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines), code: "")
        switch status {
        case 401, 403: return .unauthorized(apiError.error.isEmpty ? "HTTP \(status)" : apiError.error)
        case 404: return .notFound(apiError.error.isEmpty ? "not found" : apiError.error)
        case 400..<500: return .rejected(status: status, apiError)
        default: return .server(status: status, apiError.error)
        }
    }
}
