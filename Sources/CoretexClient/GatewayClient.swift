import AsyncHTTPClient
import CoretexProtocol
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A typed client of the gateway's HTTP API (docs/http-api.md). It only speaks HTTP, so it works
/// against any deployment; `ctx` and the console share it.
///
/// The transport is AsyncHTTPClient, not URLSession: FoundationNetworking loads libcurl and its
/// two dozen libraries, which alone cost `ctx` more than its whole start-up budget, and it
/// crashed the console when a failing request was cancelled.
public struct GatewayClient: Sendable {
    public let endpoint: GatewayEndpoint
    let timeout: TimeInterval
    /// Replies larger than this are refused rather than held in memory.
    static let maxReplyBytes = 64 << 20

    /// One client for the process (it pools connections; the console reuses them every second).
    /// No retrying of refused connections: a gateway that is down is reported at once, not after
    /// the request's whole timeout.
    static let http: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(5)
        return HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup(numberOfThreads: 1), configuration: configuration)
    }()

    /// Starts the HTTP client's event loop ahead of the first request (`ctx` calls this while it
    /// parses its arguments, which saves a few of its 30 ms start-up budget).
    public static func prepare() {
        Thread.detachNewThread { _ = http }
    }

    public init(_ endpoint: GatewayEndpoint, timeout: TimeInterval = 15) {
        self.endpoint = endpoint
        self.timeout = timeout
    }

    // MARK: Jobs

    /// Submits a job; with `idempotencyKey`, a repeat of the same request within 24 h answers
    /// with the first job instead of creating another.
    public func submit(_ request: SubmitJobRequest, idempotencyKey: String? = nil) async throws -> SubmitJobResponse {
        var request = request
        if request.tenantID == nil, request.orgID == nil { request.tenantID = endpoint.tenant }
        return try await send("POST", "/api/v1/jobs", body: request, headers: Self.idempotency(idempotencyKey))
    }

    /// `POST /api/v1/repo-review`: one repository review job.
    public func repoReview(_ request: RepoReviewRequest, idempotencyKey: String? = nil) async throws -> SubmitJobResponse {
        try await send("POST", "/api/v1/repo-review", body: request, headers: Self.idempotency(idempotencyKey))
    }

    static func idempotency(_ key: String?) -> [(String, String)] { key.map { [("Idempotency-Key", $0)] } ?? [] }

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
        _ method: String, _ path: String, query: [(String, String)] = [], body: Body, headers: [(String, String)] = []
    ) async throws -> Response {
        try decode(try await raw(method, path, query: query, body: try JSONEncoder().encode(body), headers: headers))
    }

    func decode<Response: Decodable>(_ data: Data) throws -> Response {
        do {
            return try JSONDecoder().decode(Response.self, from: data)
        } catch {
            throw ClientError.server(status: 200, "unreadable reply: \(error)")
        }
    }

    /// The reply body of a successful request.
    public func raw(
        _ method: String, _ path: String, query: [(String, String)], body: Data?, headers: [(String, String)] = []
    ) async throws -> Data {
        var request = HTTPClientRequest(url: endpoint.url + path + QueryString.encode(query))
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.body = .bytes(ByteBuffer(bytes: body))
            request.headers.add(name: "Content-Type", value: "application/json")
        }
        if let key = endpoint.apiKey { request.headers.add(name: "X-API-Key", value: key) }
        let status: Int
        let reply: ByteBuffer
        do {
            let response = try await Self.http.execute(request, timeout: .milliseconds(Int64(timeout * 1000)))
            status = Int(response.status.code)
            reply = try await response.body.collect(upTo: Self.maxReplyBytes)
        } catch {
            // A caller that gave up (the console's refresh deadline, Ctrl-C) is not an outage.
            if Task.isCancelled || error is CancellationError || (error as? HTTPClientError) == .cancelled {
                throw CancellationError()
            }
            throw ClientError.unreachable(url: endpoint.url, detail: Self.describe(error))
        }
        let data = Data(reply.readableBytesView)
        guard (200..<300).contains(status) else { throw ClientError.from(status: status, body: Array(data)) }
        return data
    }

    /// A transport error in words (NIO's own descriptions are type dumps).
    static func describe(_ error: any Error) -> String {
        switch error {
        case let error as NIOConnectionError:
            if let first = error.connectionErrors.first { return describe(first.error) }
            return error.dnsAAAAError.map(describe) ?? error.dnsAError.map(describe) ?? "could not connect"
        case let error as IOError: return String(cString: strerror(error.errnoCode))
        case is NIOTooManyBytesError: return "the reply is larger than \(maxReplyBytes >> 20) MiB"
        case let error as HTTPClientError where error == .deadlineExceeded: return "no answer within the timeout"
        case let error as HTTPClientError where error == .connectTimeout: return "connect timed out"
        case let error as HTTPClientError where error == .remoteConnectionClosed: return "the gateway closed the connection"
        case let error as HTTPClientError where error == .invalidURL || error == .emptyHost: return "invalid URL"
        default: return "\(error)"
        }
    }

    /// A path segment with `/` and other reserved characters escaped (job ids are free text).
    static func segment(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~:@[]")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }
}
