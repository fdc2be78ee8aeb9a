/// Why a model call failed, worded for the job's `error_message`, which an operator reads.
public enum ModelError: Error, Equatable, CustomStringConvertible {
    case emptyPrompt
    /// Nothing answered at the URL (after the retries).
    case unreachable(url: String, reason: String)
    /// The server has no such model (`ollama pull` it).
    case modelMissing(model: String, url: String)
    /// The server answered with an error status.
    case server(status: Int, message: String)
    /// The server answered 200 with something that is not an Ollama reply.
    case badReply(String)
    /// No answer within the configured timeout.
    case timedOut(url: String, seconds: Int)

    public var description: String {
        switch self {
        case .emptyPrompt: "empty prompt"
        case .unreachable(let url, let reason): "model server unreachable at \(url): \(reason)"
        case .modelMissing(let model, let url): "model '\(model)' not found on \(url) (run `ollama pull \(model)` there)"
        case .server(let status, let message): "ollama \(status): \(message)"
        case .badReply(let why): "unexpected reply from the model server: \(why)"
        case .timedOut(let url, let seconds): "model server at \(url) did not answer within \(seconds)s"
        }
    }
}
