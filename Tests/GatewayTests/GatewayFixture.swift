import CoretexCore
import CoretexProtocol
import CoretexRuntime
import CoretexTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@testable import CoretexGateway

/// A gateway on real nats-server and redis-server whose router is driven in process: requests
/// go through every middleware and route without a socket (HummingbirdTesting's `.router`).
struct GatewayFixture {
    static let apiKey = "test-key"
    /// The only topic a pool serves.
    static let pools = PoolRouting(topics: ["job.echo": "echo"])

    let servers: TestServers
    let connections: Connections
    let gateway: Gateway

    /// `configure` adjusts the settings (read from an environment naming only the servers).
    init(_ configure: (inout Settings) -> Void = { _ in }) async throws {
        servers = try TestServers()
        var settings = Settings(environment: [
            "NATS_URL": servers.natsURL, "REDIS_URL": "redis://127.0.0.1:\(servers.redisPort)",
        ])
        configure(&settings)
        var logger = Logger(label: "gateway-test")
        logger.logLevel = .warning
        connections = try await Connections.open(settings: settings, logger: logger)
        gateway = Gateway(
            connections: connections, settings: settings, pools: Self.pools,
            address: HostPort(host: "127.0.0.1", port: 0), logger: logger)
    }

    /// Runs `test` against a new gateway's router, then closes its connections.
    static func test(
        configure: (inout Settings) -> Void = { _ in },
        _ test: @Sendable (GatewayFixture, any TestClientProtocol) async throws -> Void
    ) async throws {
        let fixture = try await GatewayFixture(configure)
        defer { fixture.connections.close() }
        let app = Application(router: fixture.gateway.router(), logger: fixture.gateway.logger)
        try await app.test(.router) { client in try await test(fixture, client) }
    }
}

extension TestClientProtocol {
    /// One request; `json` is sent as the body, `key` as `X-API-Key`.
    func send(_ method: HTTPRequest.Method, _ uri: String, json: String? = nil, key: String? = nil) async throws
        -> TestResponse
    {
        var headers: HTTPFields = [:]
        if let key { headers[.init("X-API-Key")!] = key }
        if json != nil { headers[.contentType] = "application/json" }
        return try await executeRequest(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }
}

extension TestResponse {
    /// The body as the API's error, when it is exactly `{"error": …, "code": …}`.
    var apiError: APIError? {
        guard let object = try? JSONDecoder().decode([String: String].self, from: Data(buffer: body)),
            Set(object.keys) == ["error", "code"]
        else { return nil }
        return APIError(object["error"]!, code: object["code"]!)
    }

    var text: String { String(buffer: body) }
}

/// The status, the JSON content type and the error body `{"error", "code"}` of a refusal;
/// `message` nil checks the code only.
func expectFailure(
    _ response: TestResponse, _ status: HTTPResponse.Status, code: String, message: String? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(response.status == status, "\(response.text)", sourceLocation: sourceLocation)
    #expect(response.headers[.contentType] == "application/json", sourceLocation: sourceLocation)
    guard let error = response.apiError else {
        Issue.record("not an API error body: \(response.text)", sourceLocation: sourceLocation)
        return
    }
    #expect(error.code == code, "\(error.error)", sourceLocation: sourceLocation)
    if let message { #expect(error.error == message, sourceLocation: sourceLocation) }
}

/// The status of a reply, with its body when it differs.
func expectStatus(_ response: TestResponse, _ status: HTTPResponse.Status, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(response.status == status, "\(response.text)", sourceLocation: sourceLocation)
}

/// A JSON document from Swift values (bodies too big or repetitive to write by hand).
func jsonBody(_ object: [String: Any]) -> String {
    String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
}
