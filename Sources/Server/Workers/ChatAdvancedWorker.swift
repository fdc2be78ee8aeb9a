import CoretexContext
import CoretexCore
import CoretexProtocol
import CoretexRuntime
import Foundation

/// `job.chat.advanced`: a conversation with memory (docs/models-and-memory.md,
/// "job.chat.advanced").
///
/// The window comes from the context engine (the memory's newest turns, then this prompt,
/// fitted to `max_input_tokens`) and goes to Ollama's `/api/chat` with its roles, not as one
/// flattened string, streamed: conversational answers can be long, and streaming lets the
/// timeout bound a stall rather than the whole answer. After a good answer the turn (user + assistant) is appended to
/// `mem:<memory_id>:events`. `prompt` in the result keeps the flattened form for compatibility;
/// `messages` is what the model was actually sent.
public struct ChatAdvancedWorker: JobHandler {
    let ollama: OllamaClient
    let context: any ContextEngineAPI

    public init(ollama: OllamaClient, context: any ContextEngineAPI) {
        self.ollama = ollama
        self.context = context
    }

    public func handle(_ job: JobInput) async throws -> Data {
        let payload = job.context ?? Data()
        guard !ContextPayload.userMessage(payload).trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ModelError.emptyPrompt
        }
        let settings = ModelJob(job, defaultMode: .chat, maxInput: 8000, maxOutput: 1024)
        let (messages, windowWarning) = await settings.window(context, payload: payload, model: "chat")
        try Task.checkCancellation()
        let reply = try await ollama.chat(messages, options: .init(maxOutputTokens: settings.maxOutputTokens, stream: true))
        let memoryWarning = await settings.remember(context, payload: payload, response: reply.text)

        struct Body: Encodable {
            var job_id: String
            var memory_id: String
            var prompt: String
            var messages: [ChatMessage]
            var input_tokens: Int
            var response: String
            var processed_by: String
            var completed_at: String
            var model: String
            var warnings: [String]
        }
        return try JSONEncoder.sorted.encode(
            Body(
                job_id: job.id, memory_id: settings.memoryID, prompt: ChatMessage.flatten(messages), messages: messages,
                input_tokens: TokenBudget.estimate(messages), response: reply.text, processed_by: job.workerID,
                completed_at: UnixTime.rfc3339(fractional: false), model: reply.model,
                warnings: [windowWarning, memoryWarning].compactMap { $0 }))
    }
}
