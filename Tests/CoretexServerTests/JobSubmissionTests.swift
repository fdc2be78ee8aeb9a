import CoretexCore
import CoretexProtocol
import Foundation
import Testing

@testable import CoretexGateway
@testable import CoretexRuntime

@Suite struct JobSubmissionTests {
    let pools = PoolRouting(topics: ["job.echo": "echo", "job.chat.simple": "chat-simple", "job.code.llm": "code-llm"])

    func make(_ body: SubmitJobRequest) throws(APIFailure) -> JobSubmission {
        try JobSubmission.make(body, defaultTenant: "default", pools: pools, jobID: "j1", traceID: "t1")
    }

    func failure(_ body: SubmitJobRequest) -> APIFailure? {
        do {
            _ = try make(body)
            return nil
        } catch {
            return error
        }
    }

    @Test func buildsTheRequestOfTheContract() throws {
        var body = SubmitJobRequest(prompt: "hi", topic: "job.echo")
        body.adapterID = "echo-adapter"
        body.priority = "BATCH"
        body.teamID = "t"
        body.labels = ["node_id": "n1"]
        body.deadlineMs = 5000
        body.context = .object(["k": .number(1)])
        let job = try make(body)
        let r = job.request
        #expect(r.jobID == "j1")
        #expect(r.topic == "job.echo")
        #expect(r.priority == .batch)
        #expect(r.contextPtr == "redis://ctx:j1")
        #expect(r.memoryID == "mem:j1")
        #expect(r.tenantID == "default")
        #expect(
            r.env == [
                "tenant_id": "default", "team_id": "t", "memory_id": "mem:j1",
                "max_input_tokens": "8000", "max_output_tokens": "1024",
            ])
        #expect(r.budget.maxInputTokens == 8000)
        #expect(r.budget.deadlineMs == 5000)
        #expect(r.contextHints.maxInputTokens == 8000)
        #expect(r.labels == ["node_id": "n1"])
        let stored = try #require(JSONValue.parse(Array(job.context.utf8)))
        #expect(stored["prompt"] == .string("hi"))
        #expect(stored["adapter_id"] == .string("echo-adapter"))
        #expect(stored["priority"] == .string("BATCH"))
        #expect(stored["tenant_id"] == .string("default"))
        #expect(stored["context"] == .object(["k": .number(1)]))
    }

    /// The stored context is written by hand when there is no `context` member; it must say what
    /// the encoder says, for any text.
    @Test(arguments: [
        "hi", "quote \" backslash \\ slash / tab \t nl \n cr \r", "nul \u{0} bell \u{7} us \u{1F}",
        "héllo ✓ 𝄞 e\u{301}", "</script>", "",
    ])
    func handWrittenContextSaysWhatTheEncoderSays(text: String) throws {
        let stored = JobSubmission.StoredContext(
            prompt: text, adapter_id: text, priority: "batch", topic: "job.echo", created_at: "2026-12-01T00:00:00Z",
            tenant_id: text, context: nil)
        let encoded = String(decoding: try JSONEncoder.sorted.encode(stored), as: UTF8.self)
        #expect(stored.json.hasPrefix(#"{"adapter_id":"#))
        #expect(try #require(JSONValue.parse(Array(stored.json.utf8))) == JSONValue.parse(Array(encoded.utf8)))
        let response = SubmitJobResponse(jobID: text, traceID: "t-\(text)")
        let responseEncoded = try JSONEncoder.sorted.encode(response)
        #expect(try #require(JSONValue.parse(Array(response.jsonText.utf8))) == JSONValue.parse(responseEncoded))
    }

    @Test func submitResponseIsTheEncodersTextForIDs() throws {
        let response = SubmitJobResponse(jobID: "0b9c6f52-4c1e-4f4e-9d59-3f0d2c7f1a10", traceID: "7e0f4a1c-2b3d-4e5f-8a9b-0c1d2e3f4a5b")
        #expect(response.jsonText == String(decoding: try JSONEncoder.sorted.encode(response), as: UTF8.self))
    }

    @Test func defaults() throws {
        let r = try make(SubmitJobRequest(prompt: "hi")).request
        #expect(r.topic == "job.chat.simple")
        #expect(r.priority == .interactive)
        #expect(r.memoryID == "session:j1")
        var body = SubmitJobRequest(prompt: "x", topic: "job.code.llm")
        body.orgID = "acme"
        body.tenantID = "ignored"
        let code = try make(body).request
        #expect(code.memoryID == "repo:j1")
        #expect(code.tenantID == "acme")
    }

    @Test func validationOrderAndMessages() {
        #expect(failure(SubmitJobRequest(prompt: nil, topic: "job.echo"))?.body.error == "prompt is required")
        #expect(failure(SubmitJobRequest(prompt: "", topic: "job.echo"))?.body.error == "prompt is required")
        #expect(
            failure(SubmitJobRequest(prompt: String(repeating: "x", count: 100_001), topic: "job.echo"))?.body.code
                == "prompt_too_long")
        #expect(failure(SubmitJobRequest(prompt: "x", topic: "sys.job.submit"))?.body.error == "topic must start with job.")
        #expect(failure(SubmitJobRequest(prompt: "x", topic: "job."))?.body.error == "topic must start with job.")
        var negative = SubmitJobRequest(prompt: "x", topic: "job.echo")
        negative.maxOutputTokens = -1
        #expect(failure(negative)?.body.error == "token limits must be non-negative")
        var deadline = SubmitJobRequest(prompt: "x", topic: "job.echo")
        deadline.deadlineMs = -5
        #expect(failure(deadline)?.body.error == "deadline_ms must be non-negative")
        var tags = SubmitJobRequest(prompt: "x", topic: "job.echo")
        tags.tags = Array(repeating: "t", count: 51)
        #expect(failure(tags)?.body.error == "too many tags (max 50)")
    }

    @Test func rejectsUnknownPriorityModeMemoryIDAndTopic() {
        var priority = SubmitJobRequest(prompt: "x", topic: "job.echo")
        priority.priority = "urgent"
        #expect(failure(priority)?.body.code == "invalid_priority")
        var mode = SubmitJobRequest(prompt: "x", topic: "job.echo")
        mode.contextMode = "telepathy"
        #expect(failure(mode)?.body.code == "invalid_context_mode")
        var memory = SubmitJobRequest(prompt: "x", topic: "job.echo")
        memory.memoryID = "bad id!"
        #expect(failure(memory)?.body.code == "invalid_memory_id")
        let unrouted = failure(SubmitJobRequest(prompt: "x", topic: "job.nobody"))
        #expect(unrouted?.body.code == "unknown_topic")
        #expect(unrouted?.body.error.contains("\"job.nobody\"") == true)
        #expect(unrouted?.status == .badRequest)
    }
}
