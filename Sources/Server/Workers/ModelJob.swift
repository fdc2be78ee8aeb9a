import CoretexContext
import CoretexCore
import CoretexProtocol
import Foundation
import Logging

/// What the model workers read from a job's `env` and share: memory id, context mode, token
/// budgets (docs/models-and-memory.md), and the window they build from the context engine.
struct ModelJob: Sendable {
    let input: JobInput
    let memoryID: String
    let mode: Coretex_V1_ContextMode
    let maxInputTokens: Int
    let maxOutputTokens: Int

    init(_ input: JobInput, defaultMode: Coretex_V1_ContextMode, maxInput: Int, maxOutput: Int) {
        self.input = input
        let env = input.request.env
        memoryID = env["memory_id"].flatMap { $0.isEmpty ? nil : $0 } ?? "session:\(input.id)"
        mode = Coretex_V1_ContextMode(envValue: env["context_mode"]) ?? defaultMode
        maxInputTokens = env["max_input_tokens"].flatMap(Int.init).flatMap { $0 > 0 ? $0 : nil } ?? maxInput
        maxOutputTokens = env["max_output_tokens"].flatMap(Int.init).flatMap { $0 > 0 ? $0 : nil } ?? maxOutput
    }

    /// The conversation for the model: history and repository context from the context engine,
    /// ending with this job's user turn. When the engine fails, the user turn alone (fitted to
    /// the budget) and a warning for the result.
    func window(_ engine: any ContextEngineAPI, payload: Data, model: String) async -> (messages: [ChatMessage], warning: String?) {
        var request = Coretex_V1_BuildWindowRequest()
        request.memoryID = memoryID
        request.mode = mode
        request.model = model
        request.logicalPayload = payload
        request.maxInputTokens = Int32(clamping: maxInputTokens)
        request.maxOutputTokens = Int32(clamping: maxOutputTokens)
        do {
            let window = try await engine.buildWindow(request)
            let messages = window.messages.map { ChatMessage(role: $0.role, content: $0.content) }
            if !messages.isEmpty { return (messages, nil) }
        } catch is CancellationError {
            return ([], nil)
        } catch {
            let user = TokenBudget.fit([.user(ContextPayload.userMessage(payload))], budget: maxInputTokens)
            return (user, "context engine unavailable, answered without history: \(error)")
        }
        return (TokenBudget.fit([.user(ContextPayload.userMessage(payload))], budget: maxInputTokens), nil)
    }

    /// Appends the turn to memory; a failure becomes a warning (the answer is still good).
    func remember(_ engine: any ContextEngineAPI, payload: Data, response: String) async -> String? {
        var request = Coretex_V1_UpdateMemoryRequest()
        request.memoryID = memoryID
        request.mode = mode
        request.logicalPayload = payload
        request.modelResponse = Data(response.utf8)
        do {
            try await engine.updateMemory(request)
            return nil
        } catch {
            return "memory not updated: \(error)"
        }
    }
}
