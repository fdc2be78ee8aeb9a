import CoretexCore
import Hummingbird

/// How a request presents the API key, and a comparison that takes the same time whatever
/// the key (a plain `==` would leak how much of a guess was right).
enum APIKey {
    /// `X-API-Key`, else the `api_key` query parameter, normalised like the configured key.
    static func presented(in request: Request) -> String? {
        if let header = request.headers[.init("X-API-Key")!].map(Settings.normalizeKey), !header.isEmpty {
            return header
        }
        return request.uri.queryParameters.get("api_key").map { Settings.normalizeKey(String($0)) }
    }

    static func authorized(_ request: Request, key: String) -> Bool {
        guard let presented = presented(in: request) else { return false }
        return matches(presented, key)
    }

    static func matches(_ presented: String, _ key: String) -> Bool {
        let a = Array(presented.utf8), b = Array(key.utf8)
        var diff = UInt8(a.count == b.count ? 0 : 1)
        for i in 0..<max(a.count, b.count) {
            diff |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0)
        }
        return diff == 0
    }
}
