import CoretexInfra
import Foundation
import Testing

/// Connections that cannot be served do not wear the gateway down: what HTTP allows an
/// answer for gets a 4xx with the API's JSON error, and every one of them is closed soon
/// (`API_IDLE_TIMEOUT`, 1 s here), so descriptors are not held by clients that went quiet.
@Suite(.serialized) struct BadConnectionTests {
    static let grpcPort = LocalServers.freePort()
    static let stack: Stack = try! Stack(environment: [
        "API_IDLE_TIMEOUT": "1s", "GATEWAY_GRPC_ADDR": "127.0.0.1:\(grpcPort)",
    ])

    /// The gRPC port too: a connection that never makes a call — silent, garbage, HTTP/1.1, or
    /// an HTTP/2 preface and nothing after — is closed by the server.
    @Test(arguments: [
        ("silent", ""),
        ("garbage", "this is not http/2 at all\r\n\r\n"),
        ("HTTP/1.1", "GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
        ("preface only", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
    ])
    func aConnectionToTheGRPCPortThatMakesNoCallIsClosed(_ name: String, _ bytes: String) async throws {
        _ = try await Self.stack.ready()
        let connection = try RawConnection(port: Self.grpcPort)
        defer { connection.close() }
        if !bytes.isEmpty { connection.send(bytes) }
        #expect(connection.readUntilClosed().closed, "\(name): still open")
    }

    func exchange(_ request: String, halfClose: Bool = false) async throws -> (text: String, closed: Bool) {
        _ = try await Self.stack.ready()
        let connection = try RawConnection(port: Self.stack.httpPort)
        defer { connection.close() }
        connection.send(request)
        if halfClose { connection.finishWriting() }
        return connection.readUntilClosed()
    }

    /// What the parser refuses: 400 with a JSON body, then the connection closes.
    @Test(arguments: [
        ("unknown method", "FOO / HTTP/1.1\r\nHost: x\r\n\r\n"),
        ("garbage request line", "this is not http\r\n\r\n"),
        ("NUL in a header", "GET /health HTTP/1.1\r\nHost: x\r\nX-Bad: a\u{0}b\r\n\r\n"),
        (
            "Content-Length and Transfer-Encoding",
            "POST /api/v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
        ),
        ("headers over 80 KB", "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 90_000))\r\n\r\n"),
    ])
    func aMalformedRequestIs400AndClosed(_ name: String, _ request: String) async throws {
        let (text, closed) = try await exchange(request)
        #expect(text.hasPrefix("HTTP/1.1 400"), "\(name): \(text.prefix(200))")
        #expect(text.contains(#""code":"bad_request""#), "\(name): \(text.prefix(300))")
        #expect(closed, "\(name): the connection stays open")
    }

    /// A body that ends before its Content-Length, and a broken chunk, are the client's error.
    @Test func aBodyCutShortOrABrokenChunkIs400NotA500() async throws {
        let key = "X-API-Key: test-key\r\n"
        let short = try await exchange(
            "POST /api/v1/jobs HTTP/1.1\r\nHost: x\r\n\(key)Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"prompt\":",
            halfClose: true)
        #expect(short.text.hasPrefix("HTTP/1.1 400"), "\(short.text.prefix(300))")
        #expect(short.closed)
        let chunk = try await exchange(
            "POST /api/v1/jobs HTTP/1.1\r\nHost: x\r\n\(key)Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n")
        #expect(chunk.text.hasPrefix("HTTP/1.1 400"), "\(chunk.text.prefix(300))")
        #expect(chunk.closed)
    }

    /// Silence is not a request: an idle connection, unfinished headers and an unfinished body
    /// are all closed by the server (within the 8 s the reader waits; the timeout is 1 s).
    @Test(arguments: [
        ("idle", ""),
        ("unfinished headers", "GET /health HTTP/1.1\r\nHost: x\r\n"),
        ("unfinished body", "POST /api/v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{\"pro"),
    ])
    func aSilentConnectionIsClosed(_ name: String, _ request: String) async throws {
        let (_, closed) = try await exchange(request)
        #expect(closed, "\(name): still open")
    }

    /// An upgraded WebSocket keeps its own time: a stream that hears nothing for several idle
    /// timeouts is still the same connection when an event comes (no reconnect).
    @Test func aQuietWebSocketOutlivesTheIdleTimeout() async throws {
        let stack = try await Self.stack.ready()
        let stream = try CtxRunner(stack: stack).start(["stream", "--kind", "result", "--count", "1", "-o", "json"])
        // Quiet for three idle timeouts: that is the condition under test, not a timing.
        try await Task.sleep(for: .seconds(3))
        let (id, _) = try await stack.submit(#"{"topic":"job.echo","prompt":"late"}"#)
        await stream.exited()
        let output = stream.output
        #expect(output.status == 0 && output.stdout.contains(id), "\(output)")
        #expect(!output.stderr.contains("disconnected"), "\(output)")
    }

    /// A client that keeps its connection and sends a request in time is served as usual.
    @Test func aKeptAliveConnectionStillServes() async throws {
        let (text, _) = try await exchange("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(text.hasPrefix("HTTP/1.1 200"), "\(text.prefix(200))")
    }
}
