import CoretexCore
import CoretexProtocol
import Foundation
import Testing

@testable import CoretexGateway
@testable import CoretexRuntime
@testable import CoretexSafety
@testable import CoretexStack

@Suite struct CircuitBreakerTests {
    @Test func opensAfterThreeFailuresAndClosesAfterTwoProbes() {
        let breaker = CircuitBreaker(threshold: 3, openFor: 30, probes: 3, closeAfter: 2)
        let t0 = Date()
        for _ in 0..<3 {
            #expect(breaker.admit(now: t0) == .call)
            breaker.failed(now: t0)
        }
        #expect(breaker.admit(now: t0) == .reject("safety kernel circuit open"))
        let later = t0.addingTimeInterval(31)
        #expect(breaker.admit(now: later) == .call)  // half-open: probe 1
        #expect(breaker.admit(now: later) == .call)  // probe 2
        #expect(breaker.admit(now: later) == .call)  // probe 3
        #expect(breaker.admit(now: later) == .reject("safety kernel circuit half-open (throttled)"))
        breaker.succeeded()
        breaker.succeeded()
        #expect(breaker.admit(now: later) == .call)  // closed again
    }

    @Test func aFailedProbeReopens() {
        let breaker = CircuitBreaker(threshold: 1, openFor: 10)
        let t0 = Date()
        breaker.failed(now: t0)
        let later = t0.addingTimeInterval(11)
        #expect(breaker.admit(now: later) == .call)
        breaker.failed(now: later)
        #expect(breaker.admit(now: later.addingTimeInterval(1)) == .reject("safety kernel circuit open"))
    }

    @Test func successesResetTheFailureCount() {
        let breaker = CircuitBreaker(threshold: 3)
        breaker.failed()
        breaker.failed()
        breaker.succeeded()
        breaker.failed()
        breaker.failed()
        #expect(breaker.admit() == .call)
    }
}

@Suite struct RateLimiterTests {
    @Test func burstThenRefill() {
        let limiter = RateLimiter(rps: 10, burst: 3)
        let t0 = Date()
        #expect((0..<3).allSatisfy { _ in limiter.take("k", now: t0) })
        #expect(!limiter.take("k", now: t0))
        #expect(limiter.take("other", now: t0))  // each client has its own bucket
        #expect(limiter.take("k", now: t0.addingTimeInterval(0.11)))
    }
}

@Suite struct StreamFilterTests {
    func packet(result jobID: String) -> Coretex_Agent_V1_BusPacket {
        var r = Coretex_Agent_V1_JobResult()
        r.jobID = jobID
        return .result(r, traceID: "t-\(jobID)", senderID: "w")
    }

    @Test func filtersByTypeJobAndTrace() {
        var hb = Coretex_Agent_V1_BusPacket(traceID: "hb-w", senderID: "w")
        hb.heartbeat = .init()
        #expect(StreamFilter().accepts(hb))
        #expect(!StreamFilter(query: ["types": "jobResult"]).accepts(hb))
        #expect(StreamFilter(query: ["types": "jobResult,heartbeat"]).accepts(hb))
        #expect(StreamFilter(query: ["job_id": "a"]).accepts(packet(result: "a")))
        #expect(!StreamFilter(query: ["job_id": "a"]).accepts(packet(result: "b")))
        #expect(StreamFilter(query: ["trace_id": "t-b"]).accepts(packet(result: "b")))
    }

    @Test func slowClientsAreToldWhatTheyMissed() async {
        let hub = StreamHub(bufferSize: 2)
        let client = hub.connect(filter: StreamFilter())
        for i in 0..<5 { hub.publish(packet(result: "j\(i)")) }
        #expect(client.takeMissed() == 3)
        let notice = try? Coretex_Agent_V1_BusPacket(jsonString: StreamHub.gapNotice(missed: 3))
        #expect(notice?.alert.code == "STREAM_GAP")
        hub.disconnect(client)
        #expect(hub.count == 0)
    }
}

@Suite struct JobQueryTests {
    @Test func secondsCursorsCoverTheirWholeSecond() {
        var q = JobQuery()
        q.cursor = 1_700_000_000
        #expect(q.maxScore == 1_700_000_000_999_999)
        q.cursor = 1_700_000_000_123_456
        #expect(q.maxScore == 1_700_000_000_123_456)
    }

    @Test func filtersMatchRecords() {
        var q = JobQuery()
        q.state = "SUCCEEDED"
        q.updatedAfter = 100
        var r = CoretexProtocol.JobRecord(id: "a", updatedAt: 150, state: "SUCCEEDED")
        #expect(q.matches(r))
        r.updatedAt = 50
        #expect(!q.matches(r))
    }
}

@Suite struct WorkerRegistryTests {
    @Test func deadWorkersDisappear() {
        let registry = WorkerRegistry(ttl: 30)
        var hb = Coretex_Agent_V1_Heartbeat()
        hb.workerID = "w1"
        hb.pool = "echo"
        let t0 = Date()
        registry.record(hb, at: t0)
        #expect(registry.snapshot(at: t0.addingTimeInterval(29)).map(\.workerID) == ["w1"])
        #expect(registry.snapshot(at: t0.addingTimeInterval(31)).isEmpty)
        registry.sweep(at: t0.addingTimeInterval(31))
        #expect(registry.live(at: t0).isEmpty)
    }

    @Test func ownDispatchesCountUntilAnswered() {
        let registry = WorkerRegistry()
        var hb = Coretex_Agent_V1_Heartbeat()
        hb.workerID = "w1"
        hb.pool = "echo"
        hb.activeJobs = 1
        registry.record(hb)
        registry.dispatched("a", to: "w1")
        registry.dispatched("b", to: "w1")
        registry.dispatched("c", to: "w1")
        #expect(registry.snapshot().first?.activeJobs == 3)
        #expect(registry.finished("a"))
        #expect(!registry.finished("a"))
        #expect(registry.snapshot().first?.activeJobs == 2)
        // A job dispatched again (to another worker) counts once, against the new one.
        var other = hb
        other.workerID = "w2"
        other.activeJobs = 0
        registry.record(other)
        registry.dispatched("b", to: "w2")
        #expect(registry.snapshot().map(\.activeJobs) == [1, 1])
        // A dead worker's dispatches stop counting once it is swept, and come back to nothing.
        registry.sweep(at: Date().addingTimeInterval(31))
        hb.activeJobs = 0
        registry.record(hb)
        #expect(registry.snapshot().map(\.activeJobs) == [0])
    }

    @Test func sweepingADeadWorkerReturnsTheJobsItTook() {
        let registry = WorkerRegistry(ttl: 30)
        let t0 = Date()
        for id in ["w1", "w2"] {
            var hb = Coretex_Agent_V1_Heartbeat()
            hb.workerID = id
            hb.pool = "echo"
            registry.record(hb, at: id == "w1" ? t0 : t0.addingTimeInterval(20))
        }
        registry.dispatched("a", to: "w1")
        registry.dispatched("b", to: "w1")
        registry.dispatched("c", to: "w2")
        #expect(registry.finished("b"))  // answered before its worker died: not lost
        #expect(sweeps(registry, 1...29, from: t0).isEmpty)
        #expect(jobs(registry.sweep(at: t0.addingTimeInterval(31))) == ["a": "w1"])
        #expect(registry.sweep(at: t0.addingTimeInterval(32)).isEmpty, "reported once")
        #expect(!registry.finished("a"))
        #expect(registry.finished("c"))
    }

    /// Sweeps once a second, as the scheduler does, from `seconds` after `t0`; the jobs found lost.
    func sweeps(_ registry: WorkerRegistry, _ seconds: ClosedRange<Int>, from t0: Date, busConnected: Bool = true)
        -> [String: String]
    {
        seconds.reduce(into: [:]) { lost, t in
            lost.merge(jobs(registry.sweep(at: t0.addingTimeInterval(Double(t)), busConnected: busConnected))) { a, _ in a }
        }
    }

    /// Lost dispatches as job id → worker id.
    func jobs(_ lost: [WorkerRegistry.Lost]) -> [String: String] {
        Dictionary(lost.map { ($0.jobID, $0.dispatch.worker) }) { a, _ in a }
    }

    func heartbeat(_ id: String, lease: String = "", intervalMs: Int32 = 0) -> Coretex_Agent_V1_Heartbeat {
        var hb = Coretex_Agent_V1_Heartbeat()
        hb.workerID = id
        hb.pool = "echo"
        hb.lease = lease
        hb.heartbeatIntervalMs = intervalMs
        return hb
    }

    /// A worker killed and started again under the same id comes back with a new lease: what
    /// was dispatched to the old process is lost at the next sweep, though the id never went
    /// silent; what is dispatched to the new one is not.
    @Test func aNewLeaseUnderTheSameIDLosesWhatTheOldProcessHeld() {
        let registry = WorkerRegistry(ttl: 30)
        let t0 = Date()
        registry.record(heartbeat("w1", lease: "first"), at: t0)
        registry.dispatched("a", to: "w1")
        registry.dispatched("b", to: "w1")
        #expect(registry.dispatch(of: "a")?.lease == "first")
        #expect(registry.finished("b"))
        registry.record(heartbeat("w1", lease: "first"), at: t0.addingTimeInterval(1))
        #expect(registry.sweep(at: t0.addingTimeInterval(1)).isEmpty, "the same lease again is the same process")
        registry.record(heartbeat("w1", lease: "second"), at: t0.addingTimeInterval(2))
        registry.dispatched("c", to: "w1")
        let lost = registry.sweep(at: t0.addingTimeInterval(2))
        #expect(jobs(lost) == ["a": "w1"])
        #expect(lost.map(\.restarted) == [true])
        #expect(registry.dispatch(of: "c")?.lease == "second")
        #expect(registry.snapshot(at: t0.addingTimeInterval(2)).first?.activeJobs == 1, "only c counts")
        // A worker without leases (one that predates them) is judged by silence alone.
        registry.record(heartbeat("w2"), at: t0)
        registry.dispatched("d", to: "w2")
        registry.record(heartbeat("w2"), at: t0.addingTimeInterval(3))
        #expect(registry.sweep(at: t0.addingTimeInterval(3)).isEmpty)
    }

    /// A worker that says how often it beats is lost after five intervals (at least 5 s), not
    /// after WORKER_TTL_MS; one that does not say keeps the 30 s.
    @Test func aWorkerThatSaysItsIntervalIsLostAfterFiveOfThem() {
        #expect(WorkerRegistry.timeToLive(intervalMs: 1000, fallback: 30) == 5)
        #expect(WorkerRegistry.timeToLive(intervalMs: 200, fallback: 30) == 5)
        #expect(WorkerRegistry.timeToLive(intervalMs: 4000, fallback: 30) == 20)
        #expect(WorkerRegistry.timeToLive(intervalMs: 60000, fallback: 30) == 30)
        #expect(WorkerRegistry.timeToLive(intervalMs: 0, fallback: 30) == 30)
        let registry = WorkerRegistry(ttl: 30)
        let t0 = Date()
        registry.record(heartbeat("fast", intervalMs: 1000), at: t0)
        registry.record(heartbeat("legacy"), at: t0)
        registry.dispatched("a", to: "fast")
        registry.dispatched("b", to: "legacy")
        #expect(sweeps(registry, 1...5, from: t0).isEmpty)
        #expect(sweeps(registry, 6...6, from: t0) == ["a": "fast"])
        #expect(registry.live(at: t0.addingTimeInterval(6)).map(\.heartbeat.workerID) == ["legacy"])
        #expect(sweeps(registry, 7...30, from: t0).isEmpty)
        #expect(sweeps(registry, 31...31, from: t0) == ["b": "legacy"])
    }

    func oneWorkerWithAJob(at t0: Date) -> (WorkerRegistry, Coretex_Agent_V1_Heartbeat) {
        let registry = WorkerRegistry(ttl: 30)
        var hb = Coretex_Agent_V1_Heartbeat()
        hb.workerID = "w1"
        hb.pool = "echo"
        registry.record(hb, at: t0)
        registry.dispatched("a", to: "w1")
        return (registry, hb)
    }

    /// A scheduler cut off from the bus hears no heartbeats: that is no reason to fail every
    /// job under way. Workers count as lost only after `ttl` of silence with the bus up.
    @Test func silenceWhileTheBusWasDownProvesNothing() {
        let t0 = Date()
        let (registry, hb) = oneWorkerWithAJob(at: t0)
        #expect(sweeps(registry, 1...9, from: t0).isEmpty)
        #expect(sweeps(registry, 10...35, from: t0, busConnected: false).isEmpty)
        #expect(sweeps(registry, 36...38, from: t0).isEmpty)
        registry.record(hb, at: t0.addingTimeInterval(38))  // heartbeats resume, then stop
        #expect(sweeps(registry, 39...68, from: t0).isEmpty)
        #expect(sweeps(registry, 69...69, from: t0) == ["a": "w1"])
    }

    /// A scheduler that did not run for a while (a stalled host, a paused VM, the wall clock
    /// stepping forward) has not read the heartbeats that arrived meanwhile.
    @Test func aStalledSchedulerDoesNotBlameItsWorkers() {
        let t0 = Date()
        let (registry, hb) = oneWorkerWithAJob(at: t0)
        #expect(sweeps(registry, 1...5, from: t0).isEmpty)
        #expect(registry.sweep(at: t0.addingTimeInterval(45)).isEmpty)  // 40 s without a sweep
        registry.record(hb, at: t0.addingTimeInterval(45.5))  // the heartbeats that queued up
        #expect(sweeps(registry, 46...75, from: t0).isEmpty)
        #expect(sweeps(registry, 76...76, from: t0) == ["a": "w1"], "a worker silent since is still found")
    }

    /// A duplicate submission of a job under way leaves its reservation as it was.
    @Test func aJobUnderWayCannotBeReservedTwice() {
        let t0 = Date()
        let (registry, _) = oneWorkerWithAJob(at: t0)
        let again = registry.reserve("a", at: t0) { _ in Result<String, Placement.Failure>.success("w1") }
        #expect(again == nil)
        #expect(registry.isOutstanding("a"))
        #expect(registry.snapshot(at: t0).first?.activeJobs == 1)
    }

    /// Placements that run side by side (the scheduler handles submissions concurrently) each
    /// see the slots the others took: two jobs on two one-slot workers go one to each.
    @Test func reservationsSpreadABurstAndFreeSlotsComeBack() {
        let registry = WorkerRegistry()
        for id in ["w1", "w2"] {
            var hb = Coretex_Agent_V1_Heartbeat()
            hb.workerID = id
            hb.pool = "echo"
            hb.maxParallelJobs = 1
            registry.record(hb)
        }
        let placement = Placement(pools: PoolRouting(topics: ["job.echo": "echo"]))
        func reserve(_ id: String) -> Result<String, Placement.Failure>? {
            registry.reserve(id) { placement.choose(topic: "job.echo", labels: [:], workers: $0) }
        }
        let first = try? reserve("a")?.get(), second = try? reserve("b")?.get()
        #expect(Set([first, second]) == ["w1", "w2"])
        #expect(reserve("c") == .failure(.allOverloaded(pool: "echo")))
        #expect(registry.finished("a"))
        #expect((try? reserve("d")?.get()) == first)
    }
}

@Suite struct RoleSettingsTests {
    /// `WORKER_TTL_MS` and `HEARTBEAT_INTERVAL_MS`: milliseconds; anything not a positive
    /// integer keeps the defaults, 30 s and 1 s.
    @Test func workerTTLAndHeartbeatIntervalReadMillisecondsAndIgnoreNonsense() {
        func settings(_ env: [String: String]) -> Settings { Settings(environment: env) }
        #expect(settings([:]).workerTTL == 30)
        #expect(settings(["WORKER_TTL_MS": "1500"]).workerTTL == 1.5)
        for bad in ["0", "-5", "abc", ""] { #expect(settings(["WORKER_TTL_MS": bad]).workerTTL == 30, "\(bad)") }
        #expect(settings([:]).heartbeatIntervalMs == 1000)
        #expect(settings(["HEARTBEAT_INTERVAL_MS": "200"]).heartbeatIntervalMs == 200)
        #expect(settings(["HEARTBEAT_INTERVAL_MS": "0"]).heartbeatIntervalMs == 1000)
    }
}
