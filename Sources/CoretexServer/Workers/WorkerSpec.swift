import Foundation

/// What a kind of worker serves: its topic, queue group, pool and advertised capacity
/// (control-plane.md §2.4).
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

    public init(kind: String, topic: String, queueGroup: String, pool: String, capabilities: [String],
                maxParallelJobs: Int) {
        self.kind = kind
        self.topic = topic
        self.queueGroup = queueGroup
        self.pool = pool
        self.capabilities = capabilities
        self.maxParallelJobs = maxParallelJobs
    }

    /// Echo serves `job.echo`. It advertises 16 slots (the original said 1 but ran up to two
    /// jobs at once regardless); echo work is trivial and the benchmark drives it hard.
    public static let echo = WorkerSpec(
        kind: "echo", topic: "job.echo", queueGroup: "workers-echo", pool: "echo", capabilities: ["echo"],
        maxParallelJobs: 16)
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
}
