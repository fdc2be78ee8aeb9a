import CoretexCore
import CoretexInfra
import CoretexProtocol
import CoretexRuntime
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// The `workflow-engine` role: applies job results to runs (queue group
/// `coretex-workflow-engine`, so replicas share the work), re-drives stuck runs on a timer,
/// and answers `/health`.
public final class WorkflowEngineService: Service, Sendable {
    static let queue = "coretex-workflow-engine"

    let engine: WorkflowEngine
    let scanInterval: Duration
    let scanLimit: Int
    let healthAddress: HostPort
    let logger: Logger

    public init(engine: WorkflowEngine, scanInterval: Duration, scanLimit: Int, healthAddress: HostPort, logger: Logger) {
        self.engine = engine
        self.scanInterval = scanInterval
        self.scanLimit = scanLimit
        self.healthAddress = healthAddress
        self.logger = logger
    }

    public func run() async throws {
        // Only workflow steps' results matter here (their ids say so); the rest are let go on
        // the bus's thread, undecoded. Bytes that cannot be peeked go on, to be counted.
        let results = try engine.connections.bus.packets(
            Subjects.result, queue: Self.queue, logger: logger,
            wanted: { bytes in
                BusPacketPeek.jobResultID(bytes).map { WorkflowJobID($0) != nil } ?? true
            })
        let router = Router()
        router.get("/health") { _, _ in "ok" }
        let health = Application(
            router: router, configuration: .init(address: .hostname(healthAddress.host, port: healthAddress.port)),
            logger: logger)
        logger.info("workflow engine running", metadata: ["health": "\(healthAddress)", "scan_interval": "\(scanInterval)"])
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await health.run() }
                // Results are collected while the previous batch is applied, then applied
                // together (see `WorkflowEngine.handle(_:)`).
                let pending = ResultInbox()
                let (ready, signal) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
                group.addTask {
                    for await (_, packet) in results {
                        guard case .jobResult(let r)? = packet.payload, WorkflowJobID(r.jobID) != nil else { continue }
                        pending.add(
                            .init(
                                jobID: r.jobID, state: JobState(resultStatus: r.status), resultPtr: r.resultPtr,
                                errorMessage: r.errorMessage))
                        signal.yield()
                    }
                    signal.finish()
                }
                group.addTask {
                    for await _ in ready {
                        let batch = pending.takeAll()
                        if !batch.isEmpty { await self.engine.handle(batch) }
                    }
                }
                group.addTask {
                    while await pause(self.scanInterval) { await self.scanOnce() }
                }
            }
        } onGracefulShutdown: {
            results.subscription.unsubscribe()
            self.engine.stop()
        }
    }

    /// One reconciler tick, if this replica holds the global lock.
    func scanOnce() async {
        let seconds = Int(scanInterval.components.seconds)
        let lock = RedisLock(redis: engine.connections.redis, key: WorkflowKeys.reconcilerLock, ttl: max(2 * seconds, 2))
        guard (try? await lock.acquire()) == true else { return }
        _ = await engine.reconcile(limit: scanLimit)
        // Finished runs expire on their own; their index entries are dropped here.
        if let ids = try? await engine.store.workflows(limit: 1000).map(\.id) {
            try? await engine.store.trimIndexes(workflowIDs: ids)
        }
        try? await lock.release()
    }
}

/// Results received and not yet applied.
private final class ResultInbox: Sendable {
    private let items = Mutex<[WorkflowEngine.JobOutcome]>([])
    func add(_ outcome: WorkflowEngine.JobOutcome) { items.withLock { $0.append(outcome) } }
    func takeAll() -> [WorkflowEngine.JobOutcome] {
        items.withLock { i in
            defer { i = [] }; return i
        }
    }
}
