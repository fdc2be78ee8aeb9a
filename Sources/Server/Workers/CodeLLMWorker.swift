import CoretexContext
import CoretexCore
import CoretexProtocol
import CoretexRuntime
import Foundation

/// `job.code.llm`: a patch for one file (docs/models-and-memory.md, "job.code.llm").
///
/// The task wording stays in a `system` message ahead of the context engine's window (if the
/// window replaced it, the model would never be asked for a patch). The model is
/// asked for JSON `{"diff", "explanation"}`; an answer that is not JSON is read as text and
/// the result says so. Either way the patch is checked: `patch.type` is `unified_diff` only
/// when it is one, and `patch.applies` says whether it applies to the code given.
public struct CodeLLMWorker: JobHandler {
    let ollama: OllamaClient
    let context: any ContextEngineAPI

    public init(ollama: OllamaClient, context: any ContextEngineAPI) {
        self.ollama = ollama
        self.context = context
    }

    public func handle(_ job: JobInput) async throws -> Data {
        let task = CodeTask.parse(job.context ?? Data())
        guard !task.instruction.isEmpty || !task.code.isEmpty else {
            throw JobFailure("a code job needs an instruction or code (file_path, code_snippet, instruction)")
        }
        let settings = ModelJob(job, defaultMode: .rag, maxInput: 12000, maxOutput: 2048)
        let (window, windowWarning) = await settings.window(context, payload: task.payload, model: "code")
        try Task.checkCancellation()
        let messages = [ChatMessage.system(Self.instructions(for: task))] + window
        let reply = try await ollama.chat(messages, options: .init(maxOutputTokens: settings.maxOutputTokens, json: true))
        let answer = CodeAnswer(reply.text)
        let check = PatchCheck.check(answer: answer.patch, original: task.code, filePath: task.filePath)
        let memoryWarning = await settings.remember(context, payload: task.payload, response: check.content)

        struct Patch: Encodable {
            var type: String
            var content: String
            var applies: Bool?
            var note: String?
        }
        struct Body: Encodable {
            var job_id: String
            var file_path: String
            var original_code: String
            var instruction: String
            var patch: Patch
            var explanation: String
            var memory_id: String
            var processed_by: String
            var completed_at: String
            var model: String
            var warnings: [String]
        }
        return try JSONEncoder.sorted.encode(
            Body(
                job_id: job.id, file_path: task.filePath, original_code: task.code, instruction: task.instruction,
                patch: Patch(type: check.format.rawValue, content: check.content, applies: check.applies, note: check.note),
                explanation: answer.explanation, memory_id: settings.memoryID, processed_by: job.workerID,
                completed_at: UnixTime.rfc3339(fractional: false), model: reply.model,
                warnings: [windowWarning, answer.warning, memoryWarning].compactMap { $0 }))
    }

    static func instructions(for task: CodeTask) -> String {
        let file = task.filePath.isEmpty ? "the file" : task.filePath
        return """
            You are a code assistant. Change \(file) as the user's instruction says.
            Answer with one JSON object and nothing else:
            {"diff": "<a unified diff of \(file) with --- a/ and +++ b/ headers and @@ hunks>", \
            "explanation": "<what the change does and why, in a few sentences>"}
            The diff must apply to the code exactly as given.
            """
    }
}

/// The model's answer to a code task: JSON `{"diff"|"patch", "explanation"}` as asked, or
/// anything else, which is kept whole as the patch text with a warning.
struct CodeAnswer {
    var patch: String
    var explanation: String
    var warning: String?

    init(_ text: String) {
        if case .object(let o)? = JSONValue.parse(Data(text.utf8)),
            case .string(let patch)? = o["diff"] ?? o["patch"]
        {
            self.patch = patch
            if case .string(let explanation)? = o["explanation"] { self.explanation = explanation } else { explanation = "" }
            return
        }
        patch = text
        explanation = ""
        warning = "the model's answer was not the JSON asked for; it was read as text"
    }
}
