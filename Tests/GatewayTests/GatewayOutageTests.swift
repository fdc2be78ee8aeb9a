import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import CoretexGateway

/// Redis away: what the gateway cannot record it refuses, with a 503 a client can act on
/// (`Retry-After`, the JSON error), and it accepts nothing it did not record.
@Suite struct GatewayOutageTests {
    @Test func aSubmitRedisCannotRecordIs503WithRetryAfter() async throws {
        try await GatewayFixture.test { fixture, client in
            fixture.servers.stopRedis()
            let response = try await client.send(.post, "/api/v1/jobs", json: #"{"topic":"job.echo","prompt":"x"}"#)
            expectFailure(response, .serviceUnavailable, code: "store_unavailable")
            #expect(response.headers[.retryAfter] == "1")
            let list = try await client.send(.get, "/api/v1/jobs")
            expectFailure(list, .serviceUnavailable, code: "store_unavailable")
        }
    }
}
