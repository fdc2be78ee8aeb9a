/// One message of a model conversation (`role` is `system`, `user` or `assistant`), as the
/// context engine returns it and Ollama's `/api/chat` takes it.
public struct ChatMessage: Codable, Sendable, Equatable, Hashable {
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }

    public static func system(_ content: String) -> ChatMessage { ChatMessage(role: "system", content: content) }
    public static func user(_ content: String) -> ChatMessage { ChatMessage(role: "user", content: content) }
    public static func assistant(_ content: String) -> ChatMessage { ChatMessage(role: "assistant", content: content) }

    /// `role: content` lines, the flattened form of a conversation, for models served only
    /// through `/api/generate` and for the `prompt` field results keep for compatibility.
    public static func flatten(_ messages: [ChatMessage]) -> String {
        messages.map { "\($0.role): \($0.content)" }.joined(separator: "\n")
    }
}
