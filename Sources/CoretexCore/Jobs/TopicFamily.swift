/// The families of job topics, and what each implies for a job that does not say otherwise:
/// chat jobs keep a conversation, code jobs and repository workflows read a repository's
/// memory, everything else gets raw context (docs/models-and-memory.md).
public enum TopicFamily: String, Sendable {
    /// `job.chat*`
    case chat
    /// `job.code*` and `job.workflow.repo*`
    case code
    /// Any other topic.
    case other

    public init(topic: String) {
        if topic.hasPrefix("job.chat") {
            self = .chat
        } else if topic.hasPrefix("job.code") || topic.hasPrefix("job.workflow.repo") {
            self = .code
        } else {
            self = .other
        }
    }

    /// The context mode of a job of this family: chat, rag or raw.
    public var contextMode: String {
        switch self {
        case .chat: "chat"
        case .code: "rag"
        case .other: "raw"
        }
    }

    /// The memory a job gets when it names none: `session:<id>` for chat, `repo:<id>` for
    /// code and repository workflows, else `mem:<id>`.
    public static func memoryID(topic: String, jobID: String) -> String {
        switch TopicFamily(topic: topic) {
        case .chat: "session:\(jobID)"
        case .code: "repo:\(jobID)"
        case .other: "mem:\(jobID)"
        }
    }
}
