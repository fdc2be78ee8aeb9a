import CoretexInfra
import CoretexProtocol
import CoretexTestSupport
import Foundation
import Logging
import Synchronization
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The split stack under steady load while its parts fail one after the other (docs/testing.md,
/// "Chaos"): `kill -9` of a scheduler, of a worker that comes back under the same id, of the
/// safety kernel, of nats-server and of the gateway, and a redis-server restart. Every job the
/// gateway accepted must end SUCCEEDED, and no worker may report any job twice.
///
/// `make test` runs one round in a fixed order; `make chaos` sets `CHAOS_ROUNDS` (more
/// rounds) and `CHAOS_RANDOM=1` (a shuffled order and random pauses). Loopback only; every
/// wait is bounded, so the suite stops by itself.
@Suite(.serialized) struct ChaosTests {
    /// What the load generator and the bus observer saw.
    final class Ledger: Sendable {
        struct State {
            var accepted: [String: Date] = [:]
            var refused = 0
            /// Worker results with status SUCCEEDED, per job: each distinct packet (a packet
            /// sent again after a nats-server restart is the same bytes, a second run is not).
            var reported: [String: Set<[UInt8]>] = [:]
        }
        let state = Mutex(State())
    }

    struct Event: Sendable {
        let name: String
        let act: @Sendable (SplitDeployment) throws -> Void
    }

    /// `kill -9` of a process, started again at once (as a supervisor would).
    static func killed(_ name: String, _ label: String = "") -> Event {
        Event(name: "kill -9 \(name)\(label)") { d in
            d.kill9(name)
            try d.restart(name)
        }
    }

    static let events: [Event] = [
        killed("scheduler-a"),
        killed("worker-a", ", back under its id"),
        killed("safety-kernel"),
        killed("nats-server"),
        killed("gateway"),
        Event(name: "restart redis-server") { d in
            d.stop("redis-server")
            try d.restart("redis-server")
        },
        Event(name: "kill -9 worker-b, gone") { d in d.kill9("worker-b") },
    ]

    @Test func everyAcceptedJobSucceedsOnceWhileTheStackFails() async throws {
        let environment = ProcessInfo.processInfo.environment
        let rounds = max(1, Int(environment["CHAOS_ROUNDS"] ?? "") ?? 1)
        let random = environment["CHAOS_RANDOM"] == "1"

        let d = try SplitDeployment(persistentRedis: true)
        try d.start("safety-kernel", ["safety-kernel"])
        try d.start("scheduler-a", ["scheduler"])
        try d.start("scheduler-b", ["scheduler"])
        try d.start("worker-a", ["worker", "echo"], ["WORKER_ID": "echo-a"])
        try d.start("worker-b", ["worker", "echo"], ["WORKER_ID": "echo-b"])
        try d.start("gateway", ["gateway"])
        #expect(await d.ready(schedulers: ["scheduler-a", "scheduler-b"]))

        let ledger = Ledger()
        let observer = try await NATSBus.connect(url: "nats://127.0.0.1:\(d.natsPort)", logger: Logger(label: "chaos"))
        defer { observer.close() }
        let results = try observer.observe(Subjects.result) { bytes in
            guard let packet = try? Coretex_Agent_V1_BusPacket(serializedBytes: Array(bytes)) else { return }
            let result = packet.jobResult
            guard result.status == .succeeded, packet.senderID == result.workerID, !result.workerID.isEmpty else { return }
            ledger.state.withLock { _ = $0.reported[result.jobID, default: []].insert(Array(bytes)) }
        }
        defer { results.unsubscribe() }

        // Steady load: a job every 40 ms (25 jobs/s), each with its own idempotency key.
        let load = Task {
            var n = 0
            while !Task.isCancelled {
                n += 1
                let i = n
                Task { await Self.submit(d, ledger, prompt: "chaos \(i)") }
                try? await Task.sleep(for: .milliseconds(40))
            }
        }
        defer { load.cancel() }

        var recoveries: [(String, Duration)] = []
        var generator = SystemRandomNumberGenerator()
        for round in 1...rounds {
            var events = Self.events
            if random { events.shuffle(using: &generator) }
            if round > 1 { try d.restart("worker-b") }
            for event in events {
                try await Task.sleep(for: random ? .milliseconds(Int.random(in: 500...3000)) : .seconds(1))
                let started = ContinuousClock.now
                try event.act(d)
                // Recovered when a job submitted after the event succeeds.
                let probe = await eventuallyValue(timeout: .seconds(60)) { await Self.submit(d, ledger, prompt: "probe") }
                let recovered = await eventually(timeout: .seconds(60)) {
                    guard let probe else { return false }
                    return await d.detail(probe)["state"] as? String == "SUCCEEDED"
                }
                #expect(recovered, "\(event.name): the stack did not recover\n\(d.log("scheduler-a"))")
                recoveries.append((event.name, ContinuousClock.now - started))
            }
        }
        load.cancel()

        // Every accepted job ends; the deadline covers a redelivery after an ack wait or two.
        let accepted = ledger.state.withLock { $0.accepted }
        var states: [String: String] = [:]
        var slowestJob: (id: String, seconds: Int) = ("-", 0)
        _ = await eventually(timeout: .seconds(90)) {
            for id in accepted.keys where states[id] != "SUCCEEDED" {
                let detail = await d.detail(id)
                states[id] = detail["state"] as? String ?? "?"
                let events = detail["events"] as? [[String: Any]] ?? []
                if let done = events.last(where: { $0["state"] as? String == "SUCCEEDED" })?["at"] as? Int,
                    let submitted = accepted[id]
                {
                    let took = done - Int(submitted.timeIntervalSince1970)
                    if took > slowestJob.seconds { slowestJob = (id, took) }
                }
            }
            return states.values.allSatisfy { ["SUCCEEDED", "FAILED", "TIMEOUT", "DENIED", "CANCELLED"].contains($0) }
        }
        let succeeded = states.values.filter { $0 == "SUCCEEDED" }.count
        let failed = states.values.filter { $0 == "FAILED" }.count
        let timeouts = states.values.filter { $0 == "TIMEOUT" }.count
        let (reported, refused) = ledger.state.withLock { ($0.reported, $0.refused) }
        let duplicates = reported.filter { accepted[$0.key] != nil && $0.value.count > 1 }.mapValues(\.count)
        let slowest = recoveries.max { $0.1 < $1.1 }
        print(
            """
            chaos: \(rounds) round(s), accepted \(accepted.count), refused \(refused), succeeded \(succeeded), \
            failed \(failed), timeouts \(timeouts), duplicates \(duplicates.count), \
            slowest recovery \(slowest.map { "\($0.1) (\($0.0))" } ?? "-"), \
            slowest job \(slowestJob.seconds) s from submit to SUCCEEDED (whole seconds)
            """)
        for (name, took) in recoveries { print("chaos: recovered from \(name) in \(took)") }

        #expect(accepted.count > 100, "the load kept going")
        let unfinished = states.filter { $0.value != "SUCCEEDED" }
        #expect(unfinished.isEmpty, "accepted jobs that did not succeed: \(unfinished.prefix(10))")
        #expect(duplicates.isEmpty, "jobs a worker reported more than once: \(duplicates.prefix(10))")
    }

    /// Submits one echo job; its id when the gateway accepted it (2xx), else nil (refused or
    /// unreachable, which the load counts and goes on).
    @discardableResult
    static func submit(_ d: SplitDeployment, _ ledger: Ledger, prompt: String) async -> String? {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(d.httpPort)/api/v1/jobs")!)
        request.httpMethod = "POST"
        request.timeoutInterval = 10
        request.setValue(UUID().uuidString, forHTTPHeaderField: "Idempotency-Key")
        request.httpBody = Data(#"{"topic":"job.echo","prompt":"\#(prompt)"}"#.utf8)
        guard let (data, response) = try? await URLSession.shared.data(for: request),
            let status = (response as? HTTPURLResponse)?.statusCode, (200..<300).contains(status),
            let id = (try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["job_id"] as? String
        else {
            ledger.state.withLock { $0.refused += 1 }
            return nil
        }
        ledger.state.withLock { $0.accepted[id] = Date() }
        return id
    }
}

/// Polls `attempt` until it gives a value or `timeout` passes.
func eventuallyValue<T>(timeout: Duration, _ attempt: () async -> T?) async -> T? {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if let value = await attempt() { return value }
        try? await Task.sleep(for: .milliseconds(100))
    }
    return nil
}
