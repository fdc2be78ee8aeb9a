import CoretexCore
import CoretexInfra
import CoretexProtocol
import CoretexTestSupport
import Foundation
import Testing

@Suite(.serialized) struct JobStoreTests {
    func withStore(_ body: (JobStore, RedisClient) async throws -> Void) async throws {
        let servers = try TestServers()
        let redis = RedisClient(url: servers.redisURL)
        defer { redis.close() }
        try await body(JobStore(redis: redis), redis)
    }

    @Test func createRecordsStateMetaTraceAndContext() async throws {
        try await withStore { store, redis throws in
            let outcome = try await store.create(
                "j1", meta: [("topic", "job.echo"), ("tenant", "acme")], traceID: "t1", deadlineUnix: nil,
                context: #"{"prompt":"hi"}"#)
            #expect(outcome == .applied(from: nil))
            #expect(try await store.state("j1") == .pending)
            #expect(try await redis.command("GET", "job:state:j1").text == "PENDING")
            #expect(try await redis.command("SISMEMBER", "trace:t1", "j1") == .integer(1))
            #expect(try await redis.command("ZSCORE", "job:index:pending", "j1").text != nil)
            let events = try await redis.command("LRANGE", "job:events:j1", "0", "-1").array.compactMap(\.text)
            #expect(events.count == 1 && events[0].hasSuffix("|PENDING"))
            let detail = try #require(try await store.detail("j1"))
            #expect(detail.topic == "job.echo")
            #expect(detail.tenant == "acme")
            #expect(detail.traceID == "t1")
            #expect(detail.context?["prompt"] == .string("hi"))
            #expect(detail.contextPtr == "redis://ctx:j1")
        }
    }

    @Test func aDuplicateCreateChangesNothing() async throws {
        try await withStore { store, _ throws in
            try await store.create("j1", meta: [("topic", "job.echo")], traceID: nil, deadlineUnix: nil, context: nil)
            try await store.apply("j1", StateChange(path: [.scheduled, .dispatched]))
            let again = try await store.create("j1", meta: [("topic", "job.other")], traceID: nil, deadlineUnix: nil, context: nil)
            #expect(again == .rejected(current: .dispatched))
            #expect(try await store.state("j1") == .dispatched)
            #expect(try await store.meta("j1")["topic"] == "job.echo")
        }
    }

    @Test func theFirstTerminalStateWinsAndLateResultsChangeNothing() async throws {
        try await withStore { store, redis throws in
            try await store.create("j1", meta: [("topic", "job.echo")], traceID: nil, deadlineUnix: nil, context: nil)
            try await store.apply("j1", StateChange(path: [.scheduled, .dispatched]))
            let timeout = try await store.apply("j1", StateChange(to: .timeout))
            #expect(timeout == .applied(from: .dispatched))
            let late = try await store.apply("j1", StateChange(to: .succeeded).with("result_ptr", "redis://res:j1"))
            #expect(late == .rejected(current: .timeout))
            #expect(try await store.state("j1") == .timeout)
            #expect(try await store.meta("j1")["result_ptr"] == nil)  // the late result stored nothing
            #expect(try await store.apply("j1", StateChange(to: .timeout)) == .unchanged)
            let events = try await redis.command("LRANGE", "job:events:j1", "0", "-1").array.compactMap(\.text)
            #expect(events.map { $0.split(separator: "|")[1] } == ["PENDING", "SCHEDULED", "DISPATCHED", "TIMEOUT"])
        }
    }

    @Test func aWorkerStartsAJobAndReadsItsContextInOneCall() async throws {
        try await withStore { store, _ throws in
            try await store.create(
                "j1", meta: [("topic", "job.echo")], traceID: nil, deadlineUnix: nil,
                context: #"{"prompt":"hi"}"#)
            try await store.apply("j1", StateChange(path: [.scheduled, .dispatched]))
            let running = StateChange(to: .running, from: [.dispatched]).with("worker_id", "w1")
            let started = try await store.apply("j1", running, reading: "redis://ctx:j1")
            #expect(started.outcome == .applied(from: .dispatched))
            #expect(started.blob.map { String(decoding: $0, as: UTF8.self) } == #"{"prompt":"hi"}"#)
            #expect(try await store.meta("j1")["worker_id"] == "w1")
            // A second start changes nothing but still reads; a missing blob or pointer reads nil.
            let again = try await store.apply("j1", running, reading: "redis://ctx:j1")
            #expect(again.outcome == .unchanged && again.blob != nil)
            #expect(try await store.apply("j1", running, reading: "redis://ctx:gone").blob == nil)
            #expect(try await store.apply("j1", running, reading: "not-a-pointer").blob == nil)
        }
    }

    @Test func unknownJobsAreNeverCreatedByALaterState() async throws {
        try await withStore { store, redis throws in
            #expect(try await store.apply("ghost", StateChange(to: .cancelled)) == .rejected(current: nil))
            #expect(try await store.apply("ghost", StateChange(to: .succeeded)) == .rejected(current: nil))
            #expect(try await redis.command("EXISTS", "job:meta:ghost") == .integer(0))
            #expect(try await store.detail("ghost") == nil)
        }
    }

    @Test func failuresWriteOneDeadLetterWithTheTopicAndKeepTheWorkersResult() async throws {
        try await withStore { store, redis throws in
            try await store.create("j1", meta: [("topic", "job.echo")], traceID: nil, deadlineUnix: nil, context: nil)
            try await store.putResult("j1", #"{"worker":"detail"}"#)
            var change = StateChange(to: .failed)
            change.deadLetter = DLQEntry(
                jobID: "j1", topic: nil, status: "JOB_STATUS_FAILED", reason: "boom", createdAt: "2025-01-01T00:00:00Z")
            change.fallbackResult = #"{"synthetic":true}"#
            #expect(try await store.apply("j1", change).applied)
            #expect(try await store.apply("j1", change) == .unchanged)
            let entries = try await store.deadLetters(limit: 10)
            #expect(entries.count == 1)
            #expect(entries.first?.topic == "job.echo")
            #expect(entries.first?.reason == "boom")
            #expect(try await redis.command("GET", "res:j1").text == #"{"worker":"detail"}"#)
            #expect(try await store.meta("j1")["result_ptr"] == "redis://res:j1")
            let detail = try #require(try await store.detail("j1"))
            #expect(detail.errorMessage == "boom")
            #expect(detail.errorStatus == "JOB_STATUS_FAILED")
            #expect(try await store.deleteDeadLetter("j1"))
            #expect(try await !store.deleteDeadLetter("j1"))
        }
    }

    @Test func aFailureWithoutAResultGetsTheFallbackOne() async throws {
        try await withStore { store, redis throws in
            try await store.create("j1", meta: [("topic", "job.echo")], traceID: nil, deadlineUnix: nil, context: nil)
            var change = StateChange(to: .failed)
            change.fallbackResult = #"{"synthetic":true}"#
            try await store.apply("j1", change)
            #expect(try await redis.command("GET", "res:j1").text == #"{"synthetic":true}"#)
        }
    }

    @Test func everyKeyExpiresOrIsTrimmedByAnOwner() async throws {
        try await withStore { store, redis throws in
            for id in ["a", "b"] {
                try await store.create(
                    id, meta: [("topic", "job.echo")], traceID: "t-\(id)", deadlineUnix: 9_999_999_999,
                    context: "{}", submission: [0x0a, 0x00])
                try await store.apply(id, StateChange(path: [.scheduled, .dispatched]))
                var change = StateChange(to: .failed).with("result_ptr", "redis://res:\(id)")
                change.deadLetter = DLQEntry(jobID: id, topic: nil, status: "JOB_STATUS_FAILED", reason: "x", createdAt: "now")
                change.fallbackResult = "{}"
                try await store.apply(id, change)
            }
            let trimmedByOwner: Set<String> = ["job:recent", "job:deadline", "dlq:index"]
            for key in try await redis.command("KEYS", "*").array.compactMap(\.text) {
                if trimmedByOwner.contains(key) || key.hasPrefix("job:index:") { continue }
                let ttl = try await redis.command("TTL", key).int ?? -1
                #expect(ttl > 0, "\(key) never expires")
            }
            #expect(try await redis.command("ZCARD", "job:deadline") == .integer(0))  // terminal jobs leave it
            #expect(try await store.submissions(["a", "b"]).isEmpty, "kept packets go when their jobs end")
        }
    }

    /// The packet a job was submitted in is kept until the job ends (the reconciler may
    /// publish it again; a lost worker's job runs again from it), expires on its own, and a
    /// duplicate id does not replace it.
    @Test func submittedPacketsAreKeptUntilTheJobEnds() async throws {
        try await withStore { store, redis throws in
            #expect(try await store.create("p", meta: [], traceID: nil, deadlineUnix: nil, context: nil, submission: [1, 2]).applied)
            #expect(
                try await store.create("p", meta: [], traceID: nil, deadlineUnix: nil, context: nil, submission: [9])
                    == .unchanged, "a duplicate id")
            #expect(try await store.submissions(["p", "q"]) == ["p": [1, 2]])
            let ttl = try await redis.command("TTL", JobKeys.submission("p")).int ?? -1
            #expect(ttl > 0 && ttl <= JobStore.submissionTTL)
            try await store.apply("p", StateChange(path: [.scheduled, .dispatched], from: [.pending]))
            #expect(try await store.submissions(["p"]) == ["p": [1, 2]], "kept while under way")
            try await store.apply("p", StateChange(to: .cancelled))
            #expect(try await store.submissions(["p"]).isEmpty)
        }
    }

    /// A change made on what the job looked like applies only if it still looks so: the
    /// scheduler puts a lost worker's job back only while the job is still on that lease.
    @Test func aChangeWithExpectedFieldsAppliesOnlyWhileTheyHold() async throws {
        try await withStore { store, _ throws in
            try await store.create("e", meta: [("topic", "job.echo")], traceID: nil, deadlineUnix: nil, context: nil)
            try await store.apply("e", StateChange(path: [.scheduled, .dispatched]).with("worker_lease", "first"))
            let back = StateChange(to: .pending, from: [.dispatched, .running])
            #expect(try await store.apply("e", back.expecting("worker_lease", "other")) == .rejected(current: .dispatched))
            #expect(try await store.apply("e", back.expecting("missing_field", "x")) == .rejected(current: .dispatched))
            #expect(try await store.meta("e")["?worker_lease"] == nil, "a precondition is not written")
            #expect(try await store.apply("e", back.expecting("worker_lease", "first")) == .applied(from: .dispatched))
        }
    }

    /// Every change renews the record's TTLs, not only creation and the end: a job that stays
    /// unfinished for long must not lose its meta hash while its legacy state key lives on.
    @Test func everyChangeRenewsTheRecordsTTLs() async throws {
        try await withStore { store, redis throws in
            try await store.create("long", meta: [("topic", "job.echo")], traceID: nil, deadlineUnix: nil, context: nil)
            for key in ["job:meta:long", "job:events:long", "job:state:long"] { try await redis.command("EXPIRE", key, "5") }
            try await store.apply("long", StateChange(path: [.scheduled, .dispatched]))
            for key in ["job:meta:long", "job:events:long", "job:state:long"] {
                #expect((try await redis.command("TTL", key).int ?? -1) > 5, "\(key) was not renewed")
            }
        }
    }

    @Test func recentKeepsTheNewestJobsUpToItsLimit() async throws {
        let servers = try TestServers()
        let redis = RedisClient(url: servers.redisURL)
        defer { redis.close() }
        var settings = StoreSettings()
        settings.recentLimit = 3
        let store = JobStore(redis: redis, settings: settings)
        for i in 0..<5 {
            try await store.create("j\(i)", meta: [("topic", "job.echo")], traceID: nil, deadlineUnix: nil, context: nil)
        }
        // A later change of a kept job moves it to the front and keeps the limit.
        try await store.apply("j2", StateChange(path: [.scheduled, .dispatched]))
        try await store.apply("j2", StateChange(to: .succeeded))
        #expect(try await store.recent(maxScore: nil, limit: 10).map(\.id) == ["j2", "j4", "j3"])
    }

    @Test func recentScoresAreUniqueSoPagingNeverSkips() async throws {
        try await withStore { store, _ throws in
            let now = Date()
            for i in 0..<50 {
                try await store.create(
                    "j\(i)", meta: [("topic", "job.echo")], traceID: nil, deadlineUnix: nil, context: nil, submission: nil, now: now)
            }
            var seen: [String] = []
            var cursor: Int64?
            repeat {
                let page = try await store.recent(maxScore: cursor, limit: 7)
                seen += page.map(\.id)
                cursor = page.count == 7 ? page.last!.score - 1 : nil
            } while cursor != nil
            #expect(seen.count == 50)
            #expect(Set(seen).count == 50)
            #expect(seen.first == "j49")  // newest first, even within the same second
        }
    }

    @Test func recordsCarryTheirUpdateTime() async throws {
        try await withStore { store, _ throws in
            try await store.create("j1", meta: [("topic", "job.echo"), ("team", "t")], traceID: "tr", deadlineUnix: nil, context: nil)
            let records = try await store.records(["j1", "missing"])
            #expect(records.count == 1)
            #expect(records[0].updatedAt > 0)
            #expect(records[0].traceID == "tr")
            #expect(records[0].team == "t")
        }
    }
}
