import Foundation

/// Where the gateway is and how to authenticate to it: what every request needs.
public struct GatewayEndpoint: Sendable, Equatable {
    public static let defaultURL = "http://127.0.0.1:8081"

    /// Base URL without a trailing slash, e.g. `http://127.0.0.1:8081`.
    public var url: String
    public var apiKey: String?
    /// Tenant for submissions when the request does not name one.
    public var tenant: String?

    public init(url: String = GatewayEndpoint.defaultURL, apiKey: String? = nil, tenant: String? = nil) {
        var url = url.trimmingCharacters(in: .whitespaces)
        while url.hasSuffix("/") { url.removeLast() }
        if !url.contains("://") { url = "http://" + url }
        self.url = url
        self.apiKey = apiKey.flatMap { $0.isEmpty ? nil : $0 }
        self.tenant = tenant.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The WebSocket URL of the live stream with the given server-side filters.
    public func streamURL(query: [(String, String)]) -> String {
        let base = url.replacingOccurrences(of: "https://", with: "wss://").replacingOccurrences(of: "http://", with: "ws://")
        var items = query
        if let apiKey { items.append(("api_key", apiKey)) }
        return base + "/api/v1/stream" + QueryString.encode(items)
    }
}

/// `?a=1&b=2` with percent-encoding; empty when there is nothing to send.
enum QueryString {
    static func encode(_ items: [(String, String)]) -> String {
        guard !items.isEmpty else { return "" }
        return "?" + items.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }

    static func escape(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }

    private static let allowed: CharacterSet = {
        var set = CharacterSet.alphanumerics
        set.insert(charactersIn: "-._~:")
        return set
    }()
}
