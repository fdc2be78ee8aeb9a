import CoretexProtocol
import Foundation
import Testing

@testable import CoretexClient

/// How a refused request becomes a `ClientError`, and what the operator reads.
struct ClientErrorTests {
    func body(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func unauthorisedRepliesSayWhatToSet() {
        let error = ClientError.from(status: 401, body: body(#"{"error":"unauthorized","code":"unauthorized"}"#))
        #expect(error == .unauthorized("unauthorized"))
        #expect(error.description == "unauthorised: unauthorized (set --api-key or CORETEX_API_KEY, or the context's api_key)")
        #expect(ClientError.from(status: 403, body: []) == .unauthorized("HTTP 403"))
    }

    @Test func notFoundKeepsTheGatewaysMessage() {
        #expect(ClientError.from(status: 404, body: body(#"{"error":"job not found","code":"not_found"}"#)) == .notFound("job not found"))
        #expect(ClientError.from(status: 404, body: []) == .notFound("not found"))
        #expect(ClientError.notFound("job x not found").description == "job x not found")
    }

    @Test func otherClientErrorsCarryTheAPIError() {
        let error = ClientError.from(status: 400, body: body(#"{"error":"prompt is required","code":"missing_prompt"}"#))
        #expect(error == .rejected(status: 400, APIError("prompt is required", code: "missing_prompt")))
        #expect(error.description == "prompt is required")
        #expect(
            ClientError.from(status: 429, body: body(#"{"error":"rate limited","code":"rate_limited"}"#))
                == .rejected(status: 429, APIError("rate limited", code: "rate_limited")))
    }

    @Test func aBodyThatIsNotTheErrorJSONIsUsedAsText() {
        #expect(ClientError.from(status: 413, body: body("  too big\n")) == .rejected(status: 413, APIError("too big", code: "")))
        #expect(
            ClientError.from(status: 502, body: body("<html>bad gateway</html>"))
                == .server(status: 502, "<html>bad gateway</html>"))
    }

    @Test func serverErrors() {
        let error = ClientError.from(status: 503, body: body(#"{"error":"store unavailable: x","code":"store_unavailable"}"#))
        #expect(error == .server(status: 503, "store unavailable: x"))
        #expect(error.description == "gateway error 503: store unavailable: x")
    }

    @Test func unreachableSaysHowToPointCtxElsewhere() {
        let error = ClientError.unreachable(url: "http://127.0.0.1:1", detail: "Connection refused")
        #expect(
            error.description
                == "cannot reach the gateway at http://127.0.0.1:1 (Connection refused); is it running? "
                + "(`make run`, or set --gateway / CTX_GATEWAY)")
    }

    // MARK: What the client adds

    let client = GatewayClient(GatewayEndpoint())

    @Test func a404IsRenamedForWhatWasAskedFor() async throws {
        await #expect(throws: ClientError.notFound("job j1 not found")) {
            try await client.naming("job j1") { () async throws -> Int in throw ClientError.notFound("job not found") }
        }
        // A name ending in ";" keeps the gateway's reason.
        await #expect(throws: ClientError.notFound("nothing stored at mem:x (not found)")) {
            try await client.naming("nothing stored at mem:x;") { () async throws -> Int in throw ClientError.notFound("not found") }
        }
        // Other errors and successes pass through.
        await #expect(throws: ClientError.unauthorized("unauthorized")) {
            try await client.naming("job j1") { () async throws -> Int in throw ClientError.unauthorized("unauthorized") }
        }
        #expect(try await client.naming("job j1") { 7 } == 7)
    }

    @Test func anUnreadableReplyIsAServerError() throws {
        do {
            let _: APIError = try client.decode(Data("not json".utf8))
            Issue.record("expected an error")
        } catch let error as ClientError {
            guard case .server(200, let message) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(message.hasPrefix("unreadable reply: "))
        }
        let decoded: APIError = try client.decode(Data(#"{"error":"e","code":"c"}"#.utf8))
        #expect(decoded == APIError("e", code: "c"))
    }
}
