import Foundation
import Hummingbird
import Synchronization

/// A deterministic stand-in for an Ollama server, for tests and for trying Coretex without a
/// model. It speaks the parts of the Ollama HTTP API the workers use:
///
/// - `POST /api/generate` answers `[mock] <prompt>` (a fixed answer tests can assert on);
/// - `POST /api/chat` answers `[mock] <last user message>` (404 with `--generate-only`, like
///   an Ollama older than the chat API);
/// - `GET /api/tags`, `GET /api/version`;
/// - an unknown model gets Ollama's 404 `{"error":"model 'x' not found, try pulling it first"}`;
/// - `"stream": true` gets NDJSON chunks, as Ollama sends them.
///
/// Tests steer it over `/_fake/*`: `POST /_fake/rules` installs canned answers
/// (`[{"contains": "...", "response": "...", "status": 500, "delay_ms": 100}]`, first match
/// wins, matched against the whole prompt or conversation), `GET /_fake/requests` returns
/// every request received (so a test can assert what the model was sent), `DELETE` clears.
final class FakeOllama: Sendable {
    struct Rule: Sendable {
        var contains: String
        var response: String
        var status: Int
        var delayMs: Int
    }

    let models: [String]
    let generateOnly: Bool
    let delayMs: Int
    private let rules = Mutex<[Rule]>([])
    /// Each request received, as JSON `{"path", "body"}`.
    private let requests = Mutex<[String]>([])

    init(models: [String], generateOnly: Bool, delayMs: Int) {
        self.models = models
        self.generateOnly = generateOnly
        self.delayMs = delayMs
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/api/generate") { request, context in
            try await self.answer(request, context, chat: false)
        }
        router.post("/api/chat") { request, context in
            if self.generateOnly {
                self.record(request, try await self.object(request, context) ?? NSNull())
                return Response(status: .notFound, body: .init(byteBuffer: ByteBuffer(string: "404 page not found")))
            }
            return try await self.answer(request, context, chat: true)
        }
        router.get("/api/tags") { _, _ in
            json(["models": self.models.map { ["name": "\($0):latest", "model": "\($0):latest", "size": 0] }])
        }
        router.get("/api/version") { _, _ in json(["version": "0.0.0-fake"]) }
        router.post("/_fake/rules") { request, context in
            let body = try await self.object(request, context)
            let list = (body as? [[String: Any]]) ?? []
            self.rules.withLock {
                $0 = list.map {
                    Rule(
                        contains: $0["contains"] as? String ?? "", response: $0["response"] as? String ?? "",
                        status: $0["status"] as? Int ?? 200, delayMs: $0["delay_ms"] as? Int ?? 0)
                }
            }
            return Response(status: .noContent)
        }
        router.delete("/_fake/rules") { _, _ in
            self.rules.withLock { $0 = [] }
            return Response(status: .noContent)
        }
        router.get("/_fake/requests") { _, _ in
            raw("[" + self.requests.withLock { $0 }.joined(separator: ",") + "]")
        }
        router.delete("/_fake/requests") { _, _ in
            self.requests.withLock { $0 = [] }
            return Response(status: .noContent)
        }
        return router
    }

    private func answer(_ request: Request, _ context: BasicRequestContext, chat: Bool) async throws -> Response {
        guard let body = try await object(request, context) as? [String: Any] else {
            return json(["error": "invalid JSON body"], status: .badRequest)
        }
        record(request, body)
        let model = body["model"] as? String ?? ""
        guard models.contains(where: { $0 == model || "\($0):latest" == model }) else {
            return json(["error": "model '\(model)' not found, try pulling it first"], status: .notFound)
        }
        let text: String
        let last: String
        if chat {
            let messages = body["messages"] as? [[String: Any]] ?? []
            text = messages.map { "\($0["role"] as? String ?? ""): \($0["content"] as? String ?? "")" }.joined(separator: "\n")
            last = messages.last { $0["role"] as? String == "user" }?["content"] as? String ?? ""
        } else {
            last = body["prompt"] as? String ?? ""
            text = [body["system"] as? String, last].compactMap { $0 }.joined(separator: "\n")
        }
        let rule = rules.withLock { $0.first { !$0.contains.isEmpty && text.contains($0.contains) } }
        let delay = rule?.delayMs ?? delayMs
        if delay > 0 { try await Task.sleep(for: .milliseconds(delay)) }
        if let rule, rule.status >= 300 {
            return json(["error": rule.response], status: .init(code: rule.status))
        }
        let reply = rule?.response ?? "[mock] \(last)"
        if body["stream"] as? Bool ?? true {
            return stream(reply, model: model, chat: chat)
        }
        return json(chunk(reply, model: model, chat: chat, done: true))
    }

    private func record(_ request: Request, _ body: Any) {
        let line = ndjson(["path": request.uri.path, "body": body]).dropLast()
        requests.withLock { $0.append(String(line)) }
    }

    /// One reply object: `message` for chat, `response` for generate.
    private func chunk(_ text: String, model: String, chat: Bool, done: Bool) -> [String: Any] {
        var object: [String: Any] = ["model": model, "created_at": "2026-01-01T00:00:00Z", "done": done]
        if chat { object["message"] = ["role": "assistant", "content": text] } else { object["response"] = text }
        if done {
            object["done_reason"] = "stop"
            object["eval_count"] = text.split(separator: " ").count
        }
        return object
    }

    /// NDJSON, a word per line and a final empty `done` chunk, as Ollama streams.
    private func stream(_ text: String, model: String, chat: Bool) -> Response {
        var words = text.split(separator: " ", omittingEmptySubsequences: false).enumerated().map { i, w in
            i == 0 ? String(w) : " " + w
        }
        if words.isEmpty { words = [""] }
        var lines = words.map { ndjson(chunk($0, model: model, chat: chat, done: false)) }
        lines.append(ndjson(chunk("", model: model, chat: chat, done: true)))
        return Response(
            status: .ok, headers: [.contentType: "application/x-ndjson"],
            body: .init(contentsOf: lines.map { ByteBuffer(string: $0) }))
    }

    private func object(_ request: Request, _ context: BasicRequestContext) async throws -> Any? {
        let buffer = try await request.body.collect(upTo: 16 << 20)
        return try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))
    }
}

private func ndjson(_ object: [String: Any]) -> String {
    String(decoding: (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data(), as: UTF8.self) + "\n"
}

private func json(_ object: Any, status: HTTPResponse.Status = .ok) -> Response {
    let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
    return raw(String(decoding: data, as: UTF8.self), status: status)
}

private func raw(_ json: String, status: HTTPResponse.Status = .ok) -> Response {
    Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: json)))
}
