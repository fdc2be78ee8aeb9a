import CoretexProtocol
import Foundation

/// Reading a job's logical payload (its context JSON) the way the context engine and the
/// model workers agree on (docs/models-and-memory.md, "Context engine").
public enum ContextPayload {
    /// The user's turn: `prompt`, else `message`, else `instruction` (with the code when there is
    /// any), else the payload as text.
    public static func userMessage(_ payload: Data) -> String {
        guard !payload.isEmpty else { return "" }
        guard case .object(let o)? = JSONValue.parse(payload) else { return String(decoding: payload, as: UTF8.self) }
        for key in ["prompt", "message"] {
            if case .string(let s)? = o[key], !s.isEmpty { return s }
        }
        if case .string(let instruction)? = o["instruction"], !instruction.isEmpty {
            if case .string(let code)? = o["code_snippet"], !code.isEmpty {
                return "Instruction: \(instruction)\nCode:\n\(code)"
            }
            return instruction
        }
        return String(decoding: payload, as: UTF8.self)
    }

    /// The string at `key` of a JSON object payload, if non-empty.
    public static func string(_ key: String, in payload: Data) -> String? {
        guard case .object(let o)? = JSONValue.parse(payload), case .string(let s)? = o[key], !s.isEmpty else { return nil }
        return s
    }
}
