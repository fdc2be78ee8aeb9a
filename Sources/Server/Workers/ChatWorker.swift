import CoretexCore
import CoretexProtocol
import CoretexRuntime
import Foundation

/// `job.chat.simple`: one prompt, one answer, no memory (docs/models-and-memory.md), through
/// Ollama's `/api/generate`. Result `{job_id, prompt, response, processed_by, completed_at, model}`
/// where `model` is the model's name, not the backend's ("ollama").
public struct ChatWorker: JobHandler {
    let ollama: OllamaClient

    public init(ollama: OllamaClient) { self.ollama = ollama }

    public func handle(_ job: JobInput) async throws -> Data {
        let prompt = ContextPayload.userMessage(job.context ?? Data())
        let settings = ModelJob(job, defaultMode: .raw, maxInput: 8000, maxOutput: 1024)
        let reply = try await ollama.generate(prompt, options: .init(maxOutputTokens: settings.maxOutputTokens))
        struct Body: Encodable {
            var job_id: String
            var prompt: String
            var response: String
            var processed_by: String
            var completed_at: String
            var model: String
        }
        return try JSONEncoder.sorted.encode(
            Body(
                job_id: job.id, prompt: prompt, response: reply.text, processed_by: job.workerID,
                completed_at: UnixTime.rfc3339(fractional: false), model: reply.model))
    }
}
