import CoretexInfra
import CoretexTestSupport
import Foundation
import Testing

/// The model workers on the real stack, against the project's fake Ollama: chat, chat with
/// memory, code patches, the demo orchestrator, and what goes wrong with models and input.
@Suite(.serialized) struct ModelWorkerTests {
    let fake: FakeOllamaProcess
    let stack: Stack

    init() async throws {
        fake = try await FakeOllamaProcess()
        stack = try await Stack(environment: ["OLLAMA_URL": fake.url, "OLLAMA_RETRIES": "0"]).ready()
    }

    func result(_ id: String, _ state: String = "SUCCEEDED") async throws -> [String: Any] {
        try await stack.waitFor(id, state: state)["result"] as? [String: Any] ?? [:]
    }

    func redis() throws -> RedisClient {
        RedisClient(url: try RedisURL(parsing: "redis://127.0.0.1:\(stack.redisPort)"), poolSize: 1)
    }

    static let code = "def total(xs):\n    return sum(xs)\n"
    static let diff = "--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,3 @@\n+import logging\n def total(xs):\n     return sum(xs)\n"
    static var codeContext: String {
        let context: [String: Any] = ["file_path": "calc.py", "code_snippet": code, "instruction": "Add logging"]
        let data = try! JSONSerialization.data(withJSONObject: ["topic": "job.code.llm", "prompt": "Add logging", "context": context])
        return String(decoding: data, as: UTF8.self)
    }

    @Test func chatWorkersReturnTheModelsAnswer() async throws {
        let (simple, _) = try await stack.submit(#"{"topic":"job.chat.simple","prompt":"hello there"}"#)
        let answer = try await result(simple)
        #expect(answer["response"] as? String == "[mock] hello there")
        #expect(answer["model"] as? String == "llama3")
        #expect(answer["processed_by"] as? String == "worker-chat-1")
        // chat-simple has no conversation: /api/generate with the bare prompt.
        let generated = try await fake.requests(to: "/api/generate")
        #expect((generated.last?["body"] as? [String: Any])?["prompt"] as? String == "hello there")

        let (advanced, _) = try await stack.submit(#"{"topic":"job.chat.advanced","prompt":"hi"}"#)
        let reply = try await result(advanced)
        #expect(reply["response"] as? String == "[mock] hi")
        #expect(reply["processed_by"] as? String == "worker-chat-advanced-1")
        #expect(reply["memory_id"] as? String == "session:\(advanced)")
        // chat-advanced sends a conversation with roles to /api/chat, streamed (the fake sends the
        // answer a word per chunk; the worker puts it back together).
        let chats = try await fake.requests(to: "/api/chat")
        let messages = (chats.last?["body"] as? [String: Any])?["messages"] as? [[String: String]]
        #expect(messages == [["role": "user", "content": "hi"]])
        #expect((chats.last?["body"] as? [String: Any])?["stream"] as? Bool == true)
    }

    @Test func threeTurnsOnOneMemoryGrowTheHistoryAndReachTheModel() async throws {
        let redis = try redis()
        defer { redis.close() }
        let turns = ["my name is Ann", "I live in Oslo", "where do I live?"]
        for (n, turn) in turns.enumerated() {
            let (id, _) = try await stack.submit(#"{"topic":"job.chat.advanced","prompt":"\#(turn)","memory_id":"conv-e2e"}"#)
            #expect(try await result(id)["response"] as? String == "[mock] \(turn)")
            #expect(try await redis.command("LLEN", "mem:conv-e2e:events").int == 2 * (n + 1))
        }
        let events = try await redis.command("LRANGE", "mem:conv-e2e:events", "0", "-1").array.compactMap(\.text)
        let decoded = events.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(decoded.map { $0["role"] as? String } == ["user", "assistant", "user", "assistant", "user", "assistant"])
        #expect(decoded.map { $0["content"] as? String }[4] == "where do I live?")
        // Memory expires: every key has a TTL.
        #expect(try await redis.command("TTL", "mem:conv-e2e:events").int ?? -1 > 0)

        let chats = try await fake.requests(to: "/api/chat")
        let third = (chats.last?["body"] as? [String: Any])?["messages"] as? [[String: String]]
        #expect(
            third == [
                ["role": "user", "content": "my name is Ann"], ["role": "assistant", "content": "[mock] my name is Ann"],
                ["role": "user", "content": "I live in Oslo"], ["role": "assistant", "content": "[mock] I live in Oslo"],
                ["role": "user", "content": "where do I live?"],
            ])
    }

    @Test func ctxChatKeepsAConversationThatCtxMemoryShows() async throws {
        let ctx = CtxRunner(stack: stack)
        let chat = try await ctx("chat", "--memory-id", "ctx-chat", stdin: "hello\n\nhow are you?\n/history\n/exit\nnever sent\n")
        #expect(chat.status == 0, "\(chat)")
        #expect(chat.stderr.contains("conversation ctx-chat"))
        #expect(
            chat.lines == [
                "[mock] hello", "[mock] how are you?",
                "user:", "  hello", "assistant:", "  [mock] hello", "user:", "  how are you?", "assistant:", "  [mock] how are you?",
            ])
        // The second message reached the model with the first turn before it.
        let sent = (try await fake.requests(to: "/api/chat").last?["body"] as? [String: Any])?["messages"] as? [[String: String]]
        #expect(sent?.count == 3)

        let one = try await ctx("chat", "--memory-id", "ctx-chat", "--message", "one more", "-o", "json")
        #expect((one.json as? [String: Any])?["response"] as? String == "[mock] one more")
        let memory = try await ctx("memory", "ctx-chat")
        #expect(memory.lines.suffix(4) == ["user:", "  one more", "assistant:", "  [mock] one more"])

        let bad = try await ctx("chat", "--memory-id", "not valid!", "--message", "hi")
        #expect(bad.status != 0 && bad.stderr.contains("memory_id"))
        fake.process.stop()
        let down = try await ctx("chat", "--memory-id", "ctx-chat", "--message", "anyone?")
        #expect(down.status == 5 && down.stderr.contains("model server unreachable"), "\(down)")
    }

    @Test func anOversizedHistoryIsTrimmedToTheBudget() async throws {
        let long = String(repeating: "word ", count: 40)  // 200 bytes, 50 tokens a turn
        for i in 0..<3 {
            let (id, _) = try await stack.submit(#"{"topic":"job.chat.advanced","prompt":"\#(i) \#(long)","memory_id":"long-e2e"}"#)
            _ = try await result(id)
        }
        let (id, _) = try await stack.submit(
            #"{"topic":"job.chat.advanced","prompt":"and now?","memory_id":"long-e2e","max_input_tokens":120}"#)
        let reply = try await result(id)
        #expect(reply["input_tokens"] as? Int ?? 999 <= 120)
        let chats = try await fake.requests(to: "/api/chat")
        let sent = (chats.last?["body"] as? [String: Any])?["messages"] as? [[String: String]] ?? []
        let tokens = sent.reduce(0) { $0 + (($1["content"] ?? "").utf8.count + 3) / 4 }
        #expect(tokens <= 120)
        #expect(sent.count == 3)  // the two newest turns fit beside the question; the older four do not
        #expect(sent.last == ["role": "user", "content": "and now?"])
    }

    @Test func codeLLMReturnsADiffThatApplies() async throws {
        let answer = try JSONSerialization.data(withJSONObject: ["diff": Self.diff, "explanation": "Imports logging."])
        try await fake.script([["contains": "Add logging", "response": String(decoding: answer, as: UTF8.self)]])
        let (id, _) = try await stack.submit(Self.codeContext)
        let result = try await result(id)
        let patch = result["patch"] as? [String: Any] ?? [:]
        #expect(patch["type"] as? String == "unified_diff")
        #expect(patch["applies"] as? Bool == true)
        #expect(patch["content"] as? String == Self.diff)
        #expect(result["explanation"] as? String == "Imports logging.")
        #expect(result["original_code"] as? String == Self.code)
        #expect(result["warnings"] as? [String] == [])
        // The model was asked for a patch (the task stays a system message) and for JSON.
        let body = try await fake.requests(to: "/api/chat").last?["body"] as? [String: Any] ?? [:]
        let messages = body["messages"] as? [[String: String]] ?? []
        #expect(messages.first?["role"] == "system")
        #expect(messages.first?["content"]?.contains("unified diff of calc.py") == true)
        #expect(messages.last?["content"] == "Instruction: Add logging\nCode:\n\(Self.code)")
        #expect(body["format"] as? String == "json")
    }

    @Test func aModelAnswerThatIsNotJSONIsReadAsTextAndChecked() async throws {
        let prose =
            "Sure! Here is the patch:\n```diff\n--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,2 @@\n-def total(ys):\n+def total(zs):\n     return sum(xs)\n```\n"
        try await fake.script([["contains": "Add logging", "response": prose]])
        let (id, _) = try await stack.submit(Self.codeContext)
        let result = try await result(id)
        let patch = result["patch"] as? [String: Any] ?? [:]
        #expect(patch["type"] as? String == "unified_diff")
        #expect(patch["applies"] as? Bool == false)
        #expect((patch["note"] as? String)?.contains("does not apply") == true)
        #expect((result["warnings"] as? [String])?.contains { $0.contains("not the JSON asked for") } == true)

        try await fake.script([["contains": "Add logging", "response": "I would rather not."]])
        let (prosy, _) = try await stack.submit(Self.codeContext)
        let text = try await self.result(prosy)["patch"] as? [String: Any] ?? [:]
        #expect(text["type"] as? String == "text")
        #expect(text["content"] as? String == "I would rather not.")
        #expect(text["applies"] == nil)
    }

    @Test func theDemoWorkflowRunsItsChildrenInOneTrace() async throws {
        let answer = try JSONSerialization.data(withJSONObject: ["diff": Self.diff, "explanation": "Imports logging."])
        try await fake.script([
            ["contains": "Explain this patch", "response": "It adds an import of logging."],
            ["contains": "Add logging", "response": String(decoding: answer, as: UTF8.self)],
        ])
        let (id, trace) = try await stack.submit(Self.codeContext.replacingOccurrences(of: "job.code.llm", with: "job.workflow.demo"))
        let result = try await result(id)
        #expect(result["explanation"] as? String == "It adds an import of logging.")
        #expect((result["patch"] as? [String: Any])?["applies"] as? Bool == true)
        let children = result["children"] as? [[String: Any]] ?? []
        #expect(children.map { $0["step"] as? String } == ["patch", "explain"])

        let jobs = try await stack.jsonArray("/api/v1/traces/\(trace)")
        #expect(Set(jobs.compactMap { $0["id"] as? String }) == Set([id] + children.compactMap { $0["job_id"] as? String }))
        for job in jobs where job["id"] as? String != id {
            #expect(job["parent_job_id"] as? String == id)
            #expect(job["state"] as? String == "SUCCEEDED")
        }
        // The explain step was given the patch, not only the instruction.
        let explain = try await fake.requests(to: "/api/generate").last?["body"] as? [String: Any]
        #expect((explain?["prompt"] as? String)?.contains("+import logging") == true)
    }

    @Test func badInputAndModelFailuresEndJobsWithAReason() async throws {
        // Refused at the gateway.
        let (empty, emptyBody) = try await stack.post("/api/v1/jobs", json: #"{"topic":"job.chat.advanced","prompt":""}"#)
        #expect(empty == 400 && emptyBody.contains("missing_prompt"))
        let (badMemory, badMemoryBody) = try await stack.post(
            "/api/v1/jobs", json: #"{"topic":"job.chat.advanced","prompt":"hi","memory_id":"a b/../c"}"#)
        #expect(badMemory == 400 && badMemoryBody.contains("invalid_memory_id"))

        // A blank prompt gets past the gateway but not the worker.
        let (blank, _) = try await stack.submit(#"{"topic":"job.chat.simple","prompt":"   "}"#)
        #expect(try await stack.waitFor(blank, state: "FAILED")["error_message"] as? String == "empty prompt")

        // The model is missing on the server.
        try await fake.script([["contains": "missing", "status": 404, "response": "model 'llama3' not found, try pulling it first"]])
        let (missing, _) = try await stack.submit(#"{"topic":"job.chat.advanced","prompt":"missing model"}"#)
        let missingError = try await stack.waitFor(missing, state: "FAILED")["error_message"] as? String ?? ""
        #expect(missingError.contains("model 'llama3' not found on \(fake.url)"))

        // A slow model meets the job's deadline: TIMEOUT, not a hang.
        try await fake.script([["contains": "slow", "delay_ms": 20_000, "response": "late"]])
        let (slow, _) = try await stack.submit(#"{"topic":"job.chat.simple","prompt":"slow please","deadline_ms":1000}"#)
        _ = try await stack.waitFor(slow, state: "TIMEOUT")
        let (stalled, _) = try await stack.submit(#"{"topic":"job.chat.advanced","prompt":"slow stream","deadline_ms":1000}"#)
        _ = try await stack.waitFor(stalled, state: "TIMEOUT")

        // The model server is down.
        fake.process.stop()
        let (down, _) = try await stack.submit(#"{"topic":"job.chat.simple","prompt":"anyone?"}"#)
        let downError = try await stack.waitFor(down, state: "FAILED")["error_message"] as? String ?? ""
        #expect(downError.hasPrefix("model server unreachable at \(fake.url)"))
    }
}

/// A model server that serves only `/api/generate` (older Ollama, simple doubles).
@Suite(.serialized) struct GenerateOnlyModelTests {
    @Test func chatWorkersFallBackToGenerate() async throws {
        let fake = try await FakeOllamaProcess(arguments: ["--generate-only"])
        let stack = try await Stack(environment: ["OLLAMA_URL": fake.url]).ready()
        let (first, _) = try await stack.submit(#"{"topic":"job.chat.advanced","prompt":"hi","memory_id":"gen-only"}"#)
        let reply = try await stack.waitFor(first, state: "SUCCEEDED")["result"] as? [String: Any] ?? [:]
        #expect(reply["response"] as? String == "[mock] user: hi")
        let (second, _) = try await stack.submit(#"{"topic":"job.chat.advanced","prompt":"again","memory_id":"gen-only"}"#)
        _ = try await stack.waitFor(second, state: "SUCCEEDED")
        // The conversation went to /api/generate flattened, history included.
        let prompt = (try await fake.requests(to: "/api/generate").last?["body"] as? [String: Any])?["prompt"] as? String
        #expect(prompt == "user: hi\nassistant: [mock] user: hi\nuser: again")
        // /api/chat was tried once, then remembered as missing.
        #expect(try await fake.requests(to: "/api/chat").count == 1)
    }
}
