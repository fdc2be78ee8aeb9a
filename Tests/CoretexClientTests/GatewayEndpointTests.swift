import Testing

@testable import CoretexClient

/// How a gateway URL given by hand becomes the base of every request, and the stream's URL.
struct GatewayEndpointTests {
    @Test func theDefaultIsTheLocalGateway() {
        #expect(GatewayEndpoint().url == "http://127.0.0.1:8081")
        #expect(GatewayEndpoint().url == GatewayEndpoint.defaultURL)
    }

    @Test(arguments: [
        ("http://127.0.0.1:8081", "http://127.0.0.1:8081"),
        ("http://127.0.0.1:8081/", "http://127.0.0.1:8081"),
        ("https://coretex.example.com///", "https://coretex.example.com"),
        ("  http://gw:80  ", "http://gw:80"),
        ("localhost:9000", "http://localhost:9000"),
        ("gw.internal/", "http://gw.internal"),
    ])
    func theURLIsTrimmedAndGetsASchemeWhenItHasNone(_ given: String, _ expected: String) {
        #expect(GatewayEndpoint(url: given).url == expected)
    }

    @Test func emptyKeysAndTenantsCountAsNone() {
        let endpoint = GatewayEndpoint(url: "gw", apiKey: "", tenant: "")
        #expect(endpoint.apiKey == nil)
        #expect(endpoint.tenant == nil)
        let given = GatewayEndpoint(url: "gw", apiKey: "k", tenant: "acme")
        #expect(given.apiKey == "k")
        #expect(given.tenant == "acme")
    }

    @Test func theStreamURLUsesTheWebSocketSchemeAndCarriesTheKey() {
        #expect(GatewayEndpoint(url: "http://gw:8081").streamURL(query: []) == "ws://gw:8081/api/v1/stream")
        #expect(GatewayEndpoint(url: "https://gw").streamURL(query: [("job_id", "j1")]) == "wss://gw/api/v1/stream?job_id=j1")
        // The key rides in the query, after the filters.
        let keyed = GatewayEndpoint(url: "http://gw", apiKey: "s3cret").streamURL(query: [("types", "jobResult")])
        #expect(keyed == "ws://gw/api/v1/stream?types=jobResult&api_key=s3cret")
    }

    @Test func queryValuesArePercentEncoded() {
        #expect(QueryString.encode([]) == "")
        #expect(QueryString.encode([("a", "1"), ("b", "2")]) == "?a=1&b=2")
        #expect(QueryString.encode([("label", "team=a b")]) == "?label=team%3Da%20b")
        #expect(QueryString.encode([("q", "x&y/z?#+")]) == "?q=x%26y%2Fz%3F%23%2B")
        // Unreserved characters and `:` (pointers, topics) stay as they are.
        #expect(QueryString.encode([("ptr", "redis://ctx:job-1_a.b~")]) == "?ptr=redis:%2F%2Fctx:job-1_a.b~")
        #expect(QueryString.escape("é") == "%C3%A9")
    }

    @Test func pathSegmentsEscapeSlashesButKeepIdCharacters() {
        #expect(GatewayClient.segment("job-1") == "job-1")
        #expect(GatewayClient.segment("R:step[0]@2") == "R:step[0]@2")
        #expect(GatewayClient.segment("a/b") == "a%2Fb")
        #expect(GatewayClient.segment("a b?c#d") == "a%20b%3Fc%23d")
    }
}
