import CoretexProtocol
import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A typed client of the gateway's HTTP API (gateway-api.md). It only speaks HTTP, so it works
/// against any deployment; `ctx` and the console share it.
public struct GatewayClient: Sendable {
    public let endpoint: GatewayEndpoint
    let session: URLSession
    let timeout: TimeInterval

    public init(_ endpoint: GatewayEndpoint, timeout: TimeInterval = 15) {
        self.endpoint = endpoint
        self.timeout = timeout
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        self.session = URLSession(configuration: configuration)
    }

    // MARK: Jobs

    public func submit(_ request: SubmitJobRequest) async throws -> SubmitJobResponse {
        var request = request
        if request.tenantID == nil, request.orgID == nil { request.tenantID = endpoint.tenant }
        return try await send("POST", "/api/v1/jobs", body: request)
    }

    /// `POST /api/v1/repo-review`: one repository review job.
    public func repoReview(_ request: RepoReviewRequest) async throws -> SubmitJobResponse {
        try await send("POST", "/api/v1/repo-review", body: request)
    }

    public func job(_ id: String) async throws -> JobDetail {
        try await naming("job \(id)") { try await send("GET", "/api/v1/jobs/\(Self.segment(id))") }
    }

    public func jobs(_ filter: JobFilter) async throws -> JobList {
        try await send("GET", "/api/v1/jobs", query: filter.query)
    }

    public func cancel(_ id: String) async throws -> CancelJobResponse {
        try await naming("job \(id)") { try await send("POST", "/api/v1/jobs/\(Self.segment(id))/cancel") }
    }

    public func trace(_ id: String) async throws -> [JobRecord] {
        try await send("GET", "/api/v1/traces/\(Self.segment(id))")
    }

    // MARK: Memory, workers, status

    /// A context (`redis://ctx:<id>`), result (`redis://res:<id>`) or memory key (`mem:…`).
    public func memory(pointer: String) async throws -> MemoryView {
        let name = pointer.hasPrefix("redis://") ? "ptr" : "key"
        return try await naming("nothing stored at \(pointer);") { try await send("GET", "/api/v1/memory", query: [(name, pointer)]) }
    }

    public func workers() async throws -> [WorkerInfo] { try await send("GET", "/api/v1/workers") }

    public func status() async throws -> StatusResponse { try await send("GET", "/api/v1/status") }

    // MARK: Dead letters

    public func deadLetters(limit: Int = 100) async throws -> [DLQEntry] {
        try await send("GET", "/api/v1/dlq", query: [("limit", String(limit))])
    }

    public func retryDeadLetter(_ id: String) async throws -> DLQRetryResponse {
        try await naming("dead-letter entry \(id)") { try await send("POST", "/api/v1/dlq/\(Self.segment(id))/retry") }
    }

    public func deleteDeadLetter(_ id: String) async throws {
        _ = try await naming("dead-letter entry \(id)") { try await raw("DELETE", "/api/v1/dlq/\(Self.segment(id))", query: [], body: nil) }
    }

    /// A 404 that says what was not found (the gateway's message does not name the id).
    func naming<T>(_ what: String, _ call: () async throws -> T) async throws -> T {
        do {
            return try await call()
        } catch ClientError.notFound(let message) {
            throw ClientError.notFound(what.hasSuffix(";") ? "\(what.dropLast()) (\(message))" : "\(what) not found")
        }
    }

    // MARK: Transport

    /// Sends a request and decodes the JSON reply; non-2xx replies become `ClientError`s.
    public func send<Response: Decodable>(
        _ method: String, _ path: String, query: [(String, String)] = []
    ) async throws -> Response {
        try decode(try await raw(method, path, query: query, body: nil))
    }

    public func send<Body: Encodable, Response: Decodable>(
        _ method: String, _ path: String, query: [(String, String)] = [], body: Body
    ) async throws -> Response {
        try decode(try await raw(method, path, query: query, body: try JSONEncoder().encode(body)))
    }

    func decode<Response: Decodable>(_ data: Data) throws -> Response {
        do {
            return try JSONDecoder().decode(Response.self, from: data)
        } catch {
            throw ClientError.server(status: 200, "unreadable reply: \(error)")
        }
    }

    /// The reply body of a successful request.
    public func raw(_ method: String, _ path: String, query: [(String, String)], body: Data?) async throws -> Data {
        guard let url = URL(string: endpoint.url + path + QueryString.encode(query)) else {
            throw ClientError.unreachable(url: endpoint.url, detail: "invalid URL")
        }
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = method
        if let body {
            request.httpBody = body
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        if let key = endpoint.apiKey { request.setValue(key, forHTTPHeaderField: "X-API-Key") }
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.uncancelledData(for: request)
        } catch let error as URLError {
            throw ClientError.unreachable(url: endpoint.url, detail: error.localizedDescription)
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else { throw ClientError.from(status: status, body: Array(data)) }
        return data
    }

    /// A path segment with `/` and other reserved characters escaped (job ids are free text).
    static func segment(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~:@[]")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }
}
