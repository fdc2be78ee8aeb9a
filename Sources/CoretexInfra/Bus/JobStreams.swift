import CoretexProtocol

/// The JetStream streams and consumers of the work that must not be lost, and their settings:
/// the one home of both (docs/durability.md says why each is what it is).
///
/// Cancels, heartbeats, dead-letter notices and everything else stay on core NATS: a lost
/// heartbeat is replaced a second later, and a lost cancel is covered by the job's state.
public enum JobStreams {
    /// A stream and the subjects it keeps.
    public struct Stream: Sendable, Equatable {
        public var name: String
        public var subjects: [String]
        /// How long an unconsumed message is kept.
        public var maxAge: Duration
        /// 0: no limit.
        public var maxBytes: Int64
        /// 0: no limit.
        public var maxMessagesPerSubject: Int64
        /// Refuse new messages when full (the publisher hears of it), instead of dropping old ones.
        public var discardNew: Bool
    }

    /// Submissions and results: kept (file storage) until a scheduler has recorded their
    /// effect in Redis and acknowledged them (work-queue retention), for a day at most. When
    /// full, new submissions are refused: the gateway answers 503 rather than drop an old job.
    public static let jobs = Stream(
        name: "CORETEX_JOBS", subjects: [Subjects.submit, Subjects.result], maxAge: .seconds(24 * 3600),
        maxBytes: 1 << 30, maxMessagesPerSubject: 0, discardNew: true)

    /// Dispatches to workers, one subject per worker. A Coretex worker consumes its own
    /// subject durably; a worker that predates this gets the same message on core NATS and
    /// nobody acknowledges the stream's copy, so copies are bounded: an hour, and the newest
    /// 10,000 per worker.
    public static let dispatch = Stream(
        name: "CORETEX_DISPATCH", subjects: [Subjects.worker("*")], maxAge: .seconds(3600), maxBytes: 0,
        maxMessagesPerSubject: 10_000, discardNew: false)

    public static let all = [jobs, dispatch]

    /// A deduplication window for message ids (the job id on a submission).
    public static let duplicateWindow = Duration.seconds(120)
}

/// A durable consumer of one subject of a stream: what it is named, who shares it, and how
/// long a message may go unacknowledged before the server delivers it again.
public struct DurableConsumer: Sendable, Equatable {
    public var stream: String
    public var name: String
    public var subject: String
    /// Members of this queue group share the consumer: each message goes to one of them.
    public var queue: String?
    /// Unacknowledged this long, a message is delivered again (holders send in-progress acks).
    public var ackWait: Duration
    /// Deliveries at most; the last one ends its job FAILED when it cannot be handled either.
    public var maxDeliver: Int
    public var maxAckPending: Int
    /// A consumer nobody has bound for this long is removed by the server (per-worker ones).
    public var inactiveThreshold: Duration?

    /// How long to wait before the next delivery after a failed one: 1, 2, 5, 10 s.
    public func backoff(afterDelivery n: Int) -> Duration {
        let steps: [Duration] = [.seconds(1), .seconds(2), .seconds(5), .seconds(10)]
        return steps[min(max(n, 1), steps.count) - 1]
    }

    /// The schedulers' share of submissions.
    public static let submissions = DurableConsumer(
        stream: JobStreams.jobs.name, name: "coretex-scheduler-submit", subject: Subjects.submit,
        queue: Subjects.schedulerQueue, ackWait: .seconds(10), maxDeliver: 5, maxAckPending: 20_000,
        inactiveThreshold: nil)

    /// The schedulers' share of results.
    public static let results = DurableConsumer(
        stream: JobStreams.jobs.name, name: "coretex-scheduler-result", subject: Subjects.result,
        queue: Subjects.schedulerQueue, ackWait: .seconds(10), maxDeliver: 5, maxAckPending: 20_000,
        inactiveThreshold: nil)

    /// One worker's dispatches, kept for a restart under the same id; removed after a day unbound.
    public static func dispatches(to workerID: String) -> DurableConsumer {
        DurableConsumer(
            stream: JobStreams.dispatch.name, name: "worker-\(workerID)", subject: Subjects.worker(workerID),
            queue: nil, ackWait: .seconds(10), maxDeliver: 5, maxAckPending: 1_000,
            inactiveThreshold: .seconds(24 * 3600))
    }
}
