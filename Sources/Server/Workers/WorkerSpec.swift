import Foundation

/// What a kind of worker serves: its topic, queue group, pool and advertised capacity
/// (docs/protocol.md, "Bus subjects").
public struct WorkerSpec: Sendable, Equatable {
    public var kind: String
    public var topic: String
    public var queueGroup: String
    public var pool: String
    public var capabilities: [String]
    public var maxParallelJobs: Int
    /// Advertised in heartbeats; jobs whose labels are constraints only go to workers
    /// carrying them (`WORKER_LABELS=gpu=a100,zone=b`).
    public var labels: [String: String] = [:]

    public init(
        kind: String, topic: String, queueGroup: String, pool: String, capabilities: [String],
        maxParallelJobs: Int
    ) {
        self.kind = kind
        self.topic = topic
        self.queueGroup = queueGroup
        self.pool = pool
        self.capabilities = capabilities
        self.maxParallelJobs = maxParallelJobs
    }

    /// Echo serves `job.echo`. It advertises (and runs) 16 slots: echo work is trivial and the
    /// benchmark drives it hard.
    public static let echo = WorkerSpec(
        kind: "echo", topic: "job.echo", queueGroup: "workers-echo", pool: "echo", capabilities: ["echo"],
        maxParallelJobs: 16)

    // The model workers and the planner advertise 2 slots and run up to two jobs at once.
    public static let chat = WorkerSpec(
        kind: "chat", topic: "job.chat.simple", queueGroup: "workers-chat", pool: "chat-simple", capabilities: ["chat"],
        maxParallelJobs: 2)
    public static let chatAdvanced = WorkerSpec(
        kind: "chat-advanced", topic: "job.chat.advanced", queueGroup: "workers-chat-advanced", pool: "chat-advanced",
        capabilities: ["chat-advanced"], maxParallelJobs: 2)
    public static let codeLLM = WorkerSpec(
        kind: "code-llm", topic: "job.code.llm", queueGroup: "workers-code-llm", pool: "code-llm",
        capabilities: ["code-llm"], maxParallelJobs: 2)
    public static let planner = WorkerSpec(
        kind: "planner", topic: "job.workflow.plan", queueGroup: "workers-planner", pool: "workflow-planner",
        capabilities: ["workflow-plan"], maxParallelJobs: 2)
    /// An orchestrator mostly waits for its children, so it takes 4 runs at once (with 1, a
    /// second submission would fail as "overloaded").
    public static let demoOrchestrator = WorkerSpec(
        kind: "orchestrator", topic: "job.workflow.demo", queueGroup: "workers-orchestrator", pool: "workflow-demo",
        capabilities: ["workflow"], maxParallelJobs: 4)
}

extension WorkerSpec {
    /// Parses `WORKER_LABELS` (`key=value,key=value`); malformed pairs are ignored.
    public static func labels(from text: String?) -> [String: String] {
        var labels: [String: String] = [:]
        for pair in (text ?? "").split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2, !parts[0].isEmpty { labels[parts[0]] = parts[1] }
        }
        return labels
    }

    /// The repository workers, one job at a time each (they clone, unpack and run tools).
    static func repo(_ kind: String, pool: String, topic: String) -> WorkerSpec {
        WorkerSpec(kind: kind, topic: topic, queueGroup: "workers-\(kind)", pool: pool, capabilities: [pool], maxParallelJobs: 1)
    }
    public static let repoScan = repo("repo-scan", pool: "repo-scan", topic: "job.repo.scan")
    public static let repoSast = repo("repo-sast", pool: "repo-sast", topic: "job.repo.sast")
    public static let repoPartition = repo("repo-partition", pool: "repo-partition", topic: "job.repo.partition")
    public static let repoLint = repo("repo-lint", pool: "repo-lint", topic: "job.repo.lint")
    public static let repoTests = repo("repo-tests", pool: "repo-tests", topic: "job.repo.tests")
    public static let repoReport = repo("repo-report", pool: "repo-report", topic: "job.repo.report")
    /// Like the demo orchestrator, it mostly waits: 4 reviews at once.
    public static let repoOrchestrator = WorkerSpec(
        kind: "repo-orchestrator", topic: "job.workflow.repo.code_review", queueGroup: "workers-repo-orchestrator",
        pool: "workflow-repo", capabilities: ["workflow"], maxParallelJobs: 4)
}
