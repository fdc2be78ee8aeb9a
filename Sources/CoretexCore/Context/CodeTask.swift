import CoretexProtocol
import Foundation

/// What a code job asks for: a file, its code and an instruction
/// (docs/models-and-memory.md, "job.code.llm").
///
/// Accepted shapes, first match wins: the three fields at the top level; the gateway's
/// envelope `{"prompt": …, "context": {file_path, code_snippet, instruction}}`; a bare prompt,
/// which becomes the instruction. `payload` is the object the fields came from, the logical
/// payload handed to the context engine.
public struct CodeTask: Sendable, Equatable {
    public var filePath: String
    public var code: String
    public var instruction: String
    public var payload: Data

    public init(filePath: String, code: String, instruction: String, payload: Data) {
        self.filePath = filePath
        self.code = code
        self.instruction = instruction
        self.payload = payload
    }

    public static func parse(_ payload: Data) -> CodeTask {
        guard case .object(let top)? = JSONValue.parse(payload) else {
            let text = String(decoding: payload, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return CodeTask(filePath: "", code: "", instruction: text, payload: payload)
        }
        if let task = fields(top, payload: payload) { return task }
        if case .object(let nested)? = top["context"], let bytes = try? JSONEncoder().encode(JSONValue.object(nested)),
            var task = fields(nested, payload: bytes)
        {
            // The prompt is the instruction when the nested object brings none.
            if task.instruction.isEmpty { task.instruction = text(top["prompt"]) }
            return task
        }
        return CodeTask(filePath: "", code: "", instruction: text(top["prompt"]), payload: payload)
    }

    private static func fields(_ o: [String: JSONValue], payload: Data) -> CodeTask? {
        let task = CodeTask(
            filePath: text(o["file_path"]), code: text(o["code_snippet"], trim: false),
            instruction: text(o["instruction"]), payload: payload)
        let blank = [task.filePath, task.code, task.instruction].allSatisfy {
            $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        }
        return blank ? nil : task
    }

    private static func text(_ value: JSONValue?, trim: Bool = true) -> String {
        guard case .string(let s)? = value else { return "" }
        return trim ? s.trimmingCharacters(in: .whitespacesAndNewlines) : s
    }
}
