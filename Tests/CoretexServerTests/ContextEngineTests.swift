import CoretexCore
import CoretexInfra
import CoretexProtocol
import CoretexTestSupport
import Foundation
import Testing

@testable import CoretexContext
@testable import CoretexGateway
@testable import CoretexRuntime
@testable import CoretexWorkers

/// The context engine on a real redis-server.
@Suite struct ContextEngineTests {
    func window(
        _ engine: ContextEngine, _ memory: String, _ payload: String, mode: Coretex_V1_ContextMode = .chat,
        budget: Int32 = 0
    ) async throws -> [ChatMessage] {
        var request = Coretex_V1_BuildWindowRequest()
        request.memoryID = memory
        request.mode = mode
        request.logicalPayload = Data(payload.utf8)
        request.maxInputTokens = budget
        return try await engine.buildWindow(request).messages.map { ChatMessage(role: $0.role, content: $0.content) }
    }

    func remember(
        _ engine: ContextEngine, _ memory: String, _ prompt: String, _ reply: String,
        mode: Coretex_V1_ContextMode = .chat
    ) async throws {
        var request = Coretex_V1_UpdateMemoryRequest()
        request.memoryID = memory
        request.mode = mode
        request.logicalPayload = Data(#"{"prompt":"\#(prompt)"}"#.utf8)
        request.modelResponse = Data("  \(reply)\n".utf8)
        try await engine.updateMemory(request)
    }

    @Test func memoryIsAppendedTrimmedAndExpires() async throws {
        let servers = try TestServers()
        let redis = RedisClient(url: servers.redisURL, poolSize: 1)
        defer { redis.close() }
        var settings = ContextEngine.Settings()
        settings.maxEvents = 4
        settings.ttlSeconds = 60
        let engine = ContextEngine(redis: redis, settings: settings)

        try await remember(engine, "m1", "one", "1")
        #expect(try await window(engine, "m1", #"{"prompt":"two"}"#) == [.user("one"), .assistant("1"), .user("two")])
        try await remember(engine, "m1", "two", "2")
        try await remember(engine, "m1", "three", "3")
        // Bounded to the newest 4 events, with a TTL.
        #expect(try await redis.command("LLEN", "mem:m1:events").int == 4)
        #expect(try await window(engine, "m1", "", mode: .chat) == [.user("two"), .assistant("2"), .user("three"), .assistant("3")])
        let ttl = try await redis.command("TTL", "mem:m1:events").int ?? -1
        #expect(ttl > 0 && ttl <= 60)
        // Raw mode neither reads nor writes history.
        try await remember(engine, "m1", "four", "4", mode: .raw)
        #expect(try await redis.command("LLEN", "mem:m1:events").int == 4)
        #expect(try await window(engine, "m1", #"{"prompt":"x"}"#, mode: .raw) == [.user("x")])
        // A small budget keeps the newest messages.
        #expect(try await window(engine, "m1", #"{"prompt":"x"}"#, budget: 2) == [.assistant("3"), .user("x")])
    }

    @Test func ingestedChunksReachRagWindowsAndAreReplacedOnReingest() async throws {
        let servers = try TestServers()
        let redis = RedisClient(url: servers.redisURL, poolSize: 1)
        defer { redis.close() }
        let engine = ContextEngine(redis: redis)
        func ingest(_ files: String) async throws {
            var request = Coretex_V1_IngestRepoRequest()
            request.memoryID = "repo1"
            request.scanResult = Data(#"{"repo_root":"/r","files":\#(files)}"#.utf8)
            try await engine.ingestRepo(request)
        }
        try await ingest(
            #"[{"path":"src/a.py","language":"python","bytes":10,"loc":2,"content":"print(1)"},{"path":"src/b.py","language":"python","bytes":5,"loc":1}]"#
        )
        let rag = try await window(engine, "repo1", #"{"file_path":"src/a.py","instruction":"Fix"}"#, mode: .rag)
        #expect(rag == [.system("Context from src/a.py:\nprint(1)"), .user("Fix")])
        let meta = try await window(engine, "repo1", #"{"file_path":"b.py","instruction":"Fix"}"#, mode: .rag)
        #expect(meta.first == .system("Context from src/b.py:\nFile metadata for src/b.py (language=python, bytes=5, loc=1)"))
        #expect(try await redis.command("TTL", "mem:repo1:chunk:0").int ?? -1 > 0)

        try await ingest(#"[{"path":"src/c.py"}]"#)
        #expect(try await redis.command("SCARD", "mem:repo1:chunks").int == 1)
        #expect(try await redis.command("EXISTS", "mem:repo1:chunk:1").int == 0)
    }

    @Test func aRedisFailureIsThrownNotSwallowed() async throws {
        let servers = try TestServers()
        let redis = RedisClient(url: servers.redisURL, poolSize: 1)
        defer { redis.close() }
        servers.stopRedis()
        await #expect(throws: (any Error).self) {
            try await window(ContextEngine(redis: redis), "m", #"{"prompt":"x"}"#)
        }
    }
}

@Suite struct ModelWorkerLogicTests {
    @Test func codeAnswersAreReadAsJSONOrKeptAsText() {
        let json = CodeAnswer(#"{"diff":"--- a/x\n","explanation":"why"}"#)
        #expect(json.patch == "--- a/x\n" && json.explanation == "why" && json.warning == nil)
        let alt = CodeAnswer(#"{"patch":"p"}"#)
        #expect(alt.patch == "p" && alt.explanation == "" && alt.warning == nil)
        let prose = CodeAnswer("just words")
        #expect(prose.patch == "just words" && prose.warning != nil)
    }

    @Test func thePlannerRanksFilesDeterministically() {
        let files = [
            PlannerWorker.File(path: "b.txt", language: "text", bytes: 10, loc: 1),
            PlannerWorker.File(path: "z.go", language: "go", bytes: 10, loc: 1),
            PlannerWorker.File(path: "a.go", language: "go", bytes: 10, loc: 1),
            PlannerWorker.File(path: "m.cpp", language: "cpp", bytes: 1, loc: 1),
        ]
        #expect(PlannerWorker.rank(files, maxFiles: 0) == ["m.cpp", "a.go", "z.go", "b.txt"])
        #expect(PlannerWorker.rank(files, maxFiles: 2) == ["m.cpp", "a.go"])
    }

    @Test func planStepsRunInDependencyOrder() throws {
        typealias Step = PlannerWorker.Step
        let explain = Step(id: "explain", topic: "job.chat.simple", adapter_id: "", depends_on: ["patch"])
        let patch = Step(id: "patch", topic: "job.code.llm", adapter_id: "", depends_on: nil)
        #expect(try DemoOrchestrator.ordered([explain, patch]).map(\.id) == ["patch", "explain"])
        #expect(throws: JobFailure.self) { try DemoOrchestrator.ordered([explain]) }
        let a = Step(id: "a", topic: "job.code.llm", adapter_id: "", depends_on: ["b"])
        let b = Step(id: "b", topic: "job.code.llm", adapter_id: "", depends_on: ["a"])
        #expect(throws: JobFailure.self) { try DemoOrchestrator.ordered([a, b]) }
    }

    @Test func limitsComeFromTheTimeoutsFile() throws {
        let config = try TimeoutConfig.parse(
            yaml: """
                workflows:
                  code_review_demo:
                    child_timeout_seconds: 30
                    total_timeout_seconds: 0
                    max_retries: 0
                """)
        let limits = DemoOrchestrator.limits(config)
        #expect(limits.childTimeoutSeconds == 30)
        #expect(limits.totalTimeoutSeconds == 600)
        #expect(limits.maxRetries == 0)
    }
}
