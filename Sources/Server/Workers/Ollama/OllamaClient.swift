import CoretexCore
import Foundation
import Logging
import Synchronization

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The Ollama HTTP API, the only model backend (docs/models-and-memory.md, "Ollama").
///
/// Conversations go to `POST /api/chat` with their roles; single prompts to
/// `POST /api/generate`. A server that answers 404 on `/api/chat` without naming a model
/// (an Ollama older than the chat API, or a simple test double) is remembered and served
/// through `/api/generate` with the conversation flattened. Connection failures are retried
/// a bounded number of times; every call has a timeout and honours task cancellation, so a
/// job's deadline or cancel ends it at once.
public final class OllamaClient: Sendable {
    public struct Settings: Sendable {
        public var url: String
        public var model: String
        public var timeoutSeconds: Int
        /// Extra attempts after a connection failure (not after a timeout or an HTTP error).
        public var retries: Int

        public init(url: String, model: String, timeoutSeconds: Int = 120, retries: Int = 2) {
            self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
            self.model = model
            self.timeoutSeconds = timeoutSeconds
            self.retries = retries
        }

        public init(_ settings: CoretexCore.Settings) {
            self.init(
                url: settings.ollamaURL, model: settings.ollamaModel, timeoutSeconds: settings.ollamaTimeoutSeconds,
                retries: settings.ollamaRetries)
        }
    }

    /// What a call may ask of the model beyond the text.
    public struct Options: Sendable {
        /// `num_predict`: the job's output token budget, so the model stops within it.
        public var maxOutputTokens: Int?
        /// Ask for a JSON answer (`"format": "json"`).
        public var json = false
        /// Stream the answer (chat only): the timeout then bounds the silence between tokens
        /// rather than the whole answer, so a long answer from a slow model is not cut off
        /// while a stuck server still fails fast.
        public var stream = false
        public init(maxOutputTokens: Int? = nil, json: Bool = false, stream: Bool = false) {
            self.maxOutputTokens = maxOutputTokens
            self.json = json
            self.stream = stream
        }
    }

    public struct Reply: Sendable, Equatable {
        public var text: String
        public var model: String
        /// `chat` or `generate`: which endpoint answered.
        public var endpoint: String
        public var promptTokens: Int?
        public var outputTokens: Int?
    }

    public let settings: Settings
    let session: URLSession
    let logger: Logger
    /// Set once the server turned out not to serve `/api/chat`.
    private let generateOnly = Atomic<Bool>(false)

    public init(settings: Settings, logger: Logger) {
        self.settings = settings
        self.logger = logger
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = TimeInterval(settings.timeoutSeconds)
        configuration.timeoutIntervalForResource = TimeInterval(settings.timeoutSeconds)
        session = URLSession(configuration: configuration)
    }

    /// A conversation: `/api/chat`, or `/api/generate` with the flattened conversation when
    /// the server has no chat API.
    public func chat(_ messages: [ChatMessage], options: Options = .init()) async throws -> Reply {
        guard messages.contains(where: { !$0.content.isEmpty }) else { throw ModelError.emptyPrompt }
        if !generateOnly.load(ordering: .relaxed) {
            var body = base(options)
            body["messages"] = messages.map { ["role": $0.role, "content": $0.content] }
            body["stream"] = options.stream
            let (status, data) = try await retrying {
                try await options.stream ? self.stream(body) : self.send(self.request("/api/chat", body))
            }
            if status == 404, Self.errorText(data).map(Self.namesModel) != true {
                logger.notice("model server has no /api/chat; using /api/generate", metadata: ["url": "\(settings.url)"])
                generateOnly.store(true, ordering: .relaxed)
            } else {
                return try reply(status, data, endpoint: "chat")
            }
        }
        let system = messages.prefix { $0.role == "system" }.map(\.content).joined(separator: "\n\n")
        let rest = Array(messages.drop { $0.role == "system" })
        return try await generate(ChatMessage.flatten(rest), system: system.isEmpty ? nil : system, options: options)
    }

    /// A single prompt: `/api/generate`.
    public func generate(_ prompt: String, system: String? = nil, options: Options = .init()) async throws -> Reply {
        guard !prompt.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw ModelError.emptyPrompt }
        var body = base(options)
        body["prompt"] = prompt
        if let system { body["system"] = system }
        let (status, data) = try await retrying { try await self.send(self.request("/api/generate", body)) }
        return try reply(status, data, endpoint: "generate")
    }

    private func base(_ options: Options) -> [String: Any] {
        var body: [String: Any] = ["model": settings.model, "stream": false]
        if let n = options.maxOutputTokens, n > 0 { body["options"] = ["num_predict": n] }
        if options.json { body["format"] = "json" }
        return body
    }

    private func reply(_ status: Int, _ data: Data, endpoint: String) throws -> Reply {
        guard (200..<300).contains(status) else {
            let text = Self.errorText(data) ?? String(decoding: data.prefix(4096), as: UTF8.self)
            if status == 404, Self.namesModel(text) { throw ModelError.modelMissing(model: settings.model, url: settings.url) }
            throw ModelError.server(status: status, message: text.isEmpty ? "no error text" : text)
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ModelError.badReply("not a JSON object (\(data.count) bytes)")
        }
        let text: String? =
            endpoint == "chat" ? (object["message"] as? [String: Any])?["content"] as? String : object["response"] as? String
        guard let text else { throw ModelError.badReply("no \(endpoint == "chat" ? "message.content" : "response") field") }
        return Reply(
            text: text, model: object["model"] as? String ?? settings.model, endpoint: endpoint,
            promptTokens: object["prompt_eval_count"] as? Int, outputTokens: object["eval_count"] as? Int)
    }

    private func request(_ path: String, _ body: [String: Any]) throws -> URLRequest {
        guard let url = URL(string: settings.url + path) else { throw ModelError.unreachable(url: settings.url, reason: "invalid URL") }
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = try JSONSerialization.data(withJSONObject: body)
        request.timeoutInterval = TimeInterval(settings.timeoutSeconds)
        return request
    }

    /// Runs `call`, retrying connection failures with a short backoff and turning transport
    /// errors into `ModelError`s.
    private func retrying(_ call: () async throws -> (Int, Data)) async throws -> (Int, Data) {
        var attempt = 0
        while true {
            do {
                return try await call()
            } catch let error as URLError where error.code == .timedOut {
                throw ModelError.timedOut(url: settings.url, seconds: settings.timeoutSeconds)
            } catch let error as URLError where error.code == .cancelled {
                throw CancellationError()
            } catch let error as URLError {
                guard attempt < settings.retries, Self.retryable(error) else {
                    throw ModelError.unreachable(url: settings.url, reason: error.localizedDescription)
                }
                attempt += 1
                logger.warning(
                    "model server not reachable, retrying",
                    metadata: ["url": "\(settings.url)", "attempt": "\(attempt)", "error": "\(error.code)"])
                try await Task.sleep(for: .milliseconds(250 * attempt * attempt))
            }
        }
    }

    /// A streamed chat, gathered into the shape of a non-streamed reply (content joined, the
    /// final chunk's counters), so callers see one kind of answer. An error status comes back
    /// with its body, as from `send`.
    private func stream(_ body: [String: Any]) async throws -> (Int, Data) {
        var status = 0
        var raw = Data()
        var content = ""
        var last: [String: Any] = [:]
        for try await event in LineStream.open(try request("/api/chat", body), configuration: session.configuration) {
            switch event {
            case .status(let code): status = code
            case .line(let line) where !(200..<300).contains(status): raw.append(line)
            case .line(let line):
                guard let chunk = (try? JSONSerialization.jsonObject(with: line)) as? [String: Any] else {
                    throw ModelError.badReply("a streamed line is not a JSON object")
                }
                if let error = chunk["error"] as? String { throw ModelError.server(status: status, message: error) }
                content += (chunk["message"] as? [String: Any])?["content"] as? String ?? ""
                last = chunk
            }
        }
        try Task.checkCancellation()  // the stream ends quietly when its consumer is cancelled
        guard (200..<300).contains(status) else { return (status, raw) }
        last["message"] = ["role": "assistant", "content": content]
        return (status, try JSONSerialization.data(withJSONObject: last))
    }

    /// One request; a cancelled caller stops waiting at once (see `uncancelledData`).
    private func send(_ request: URLRequest) async throws -> (Int, Data) {
        let (data, response) = try await session.uncancelledData(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
    }

    static func retryable(_ error: URLError) -> Bool {
        [.cannotConnectToHost, .networkConnectionLost, .notConnectedToInternet, .cannotFindHost, .dnsLookupFailed]
            .contains(error.code)
    }

    /// The `error` field of an Ollama error body.
    static func errorText(_ data: Data) -> String? {
        (try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["error"] as? String
    }

    /// Ollama's 404 for a missing model says "model 'x' not found"; a 404 for an unknown path does not.
    static func namesModel(_ text: String) -> Bool { text.contains("model") && text.contains("not found") }
}
