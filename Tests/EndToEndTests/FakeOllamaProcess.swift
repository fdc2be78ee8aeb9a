import CoretexInfra
import CoretexTestSupport
import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The project's fake Ollama (`fake-ollama`) on a free loopback port, with helpers to script
/// answers and read back what the workers sent it.
final class FakeOllamaProcess: @unchecked Sendable {
    let port = LocalServers.freePort()
    let process: ManagedProcess
    var url: String { "http://127.0.0.1:\(port)" }

    init(arguments: [String] = []) async throws {
        let log = NSTemporaryDirectory() + "fake-ollama-\(port).log"
        process = try ManagedProcess(
            name: "fake-ollama", executable: "\(Stack.root)/.build/debug/fake-ollama",
            arguments: ["--port", "\(port)"] + arguments, logFile: log)
        let up = await eventually(timeout: .seconds(10)) { (try? await self.send("GET", "/api/version")) != nil }
        guard up else { throw StackError("fake-ollama did not start") }
    }

    deinit { process.stop() }

    /// Installs canned answers: `[(substring of the prompt, answer)]`, plus optional status/delay.
    func script(_ rules: [[String: Any]]) async throws {
        _ = try await send("POST", "/_fake/rules", body: try JSONSerialization.data(withJSONObject: rules))
    }

    /// Every request the fake received, oldest first: `{"path", "body"}`.
    func requests() async throws -> [[String: Any]] {
        let data = try await send("GET", "/_fake/requests")
        return try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
    }

    /// The requests to `path` (e.g. `/api/chat`).
    func requests(to path: String) async throws -> [[String: Any]] {
        try await requests().filter { $0["path"] as? String == path }
    }

    @discardableResult
    private func send(_ method: String, _ path: String, body: Data? = nil) async throws -> Data {
        var request = URLRequest(url: URL(string: url + path)!)
        request.httpMethod = method
        request.httpBody = body
        let (data, _) = try await URLSession.shared.data(for: request)
        return data
    }
}
