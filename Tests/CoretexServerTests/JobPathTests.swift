import CoretexCore
import CoretexInfra
import CoretexProtocol
import CoretexTestSupport
import Foundation
import Logging
import ServiceLifecycle
import Testing

@testable import CoretexGateway
@testable import CoretexRuntime
@testable import CoretexSafety
@testable import CoretexScheduler
@testable import CoretexWorkers

/// The job path in one process (gateway submit, scheduler, echo worker sharing one set of
/// connections, as in `dev`) against real NATS and Redis.
@Suite(.serialized) struct JobPathTests {
    /// The contract's budget: at most six Redis round trips per echo job, submit to SUCCEEDED
    /// (today five: create, dispatch, start + context, result blob, finish).
    @Test func anEchoJobCostsAtMostSixRedisRoundTrips() async throws {
        let roles = try await InProcessRoles()
        defer { roles.close() }
        let c = roles.connections, gateway = roles.gateway, logger = roles.logger, pools = roles.pools
        let observer = RedisClient(url: roles.servers.redisURL)  // the test's own reads are not counted
        defer { observer.close() }
        let services = ServiceGroup(
            services: [
                Scheduler(connections: c, pools: pools, timeouts: TimeoutConfig(), safety: SafetyKernel(policy: nil), logger: logger),
                WorkerRuntime(spec: .echo, handler: EchoWorker(), connections: c, logger: logger),
            ],
            logger: logger)
        let running = Task { try await services.run() }
        let store = JobStore(redis: observer)

        func runJob() async throws -> String {
            let id = try await gateway.submit(SubmitJobRequest(prompt: "hi", topic: "job.echo"), sender: "test").jobID
            #expect(try await eventually { try await store.state(id) == .succeeded }, "job \(id) did not succeed")
            return id
        }
        func measure() async throws -> Double {
            _ = try await runJob()  // the worker has been seen and its lease taken: only jobs from here on
            let jobs = 20
            let before = c.redis.roundTrips
            for _ in 0..<jobs { _ = try await runJob() }
            return Double(c.redis.roundTrips - before) / Double(jobs)
        }
        let perJob: Result<Double, any Error>
        do { perJob = .success(try await measure()) } catch { perJob = .failure(error) }
        await services.triggerGracefulShutdown()
        try await running.value
        #expect(try perJob.get() <= 6, "Redis round trips per echo job")
    }
}
