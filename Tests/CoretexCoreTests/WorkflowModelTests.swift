import CoretexCore
import CoretexProtocol
import Foundation
import Testing

func encodeJSON(_ value: some Encodable) throws -> JSONValue {
    json(String(decoding: try JSONEncoder().encode(value), as: UTF8.self))
}

func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
    try JSONDecoder().decode(T.self, from: Data(text.utf8))
}

@Suite struct WorkflowModelTests {
    static let definition = #"""
        {"id":"code_review_patch","org_id":"default","team_id":"","name":"Code Review (Patch)","description":"d",
         "version":"1","timeout_sec":900,"created_by":"system",
         "created_at":"2025-12-20T10:00:00.123Z","updated_at":"2025-12-20T10:00:01Z",
         "config":{"model":"llama3"},"parameters":[{"name":"p"}],
         "input_schema":{"type":"object","required":["file_path"]},
         "steps":{
           "plan_review":{"id":"ignored","name":"Plan","type":"worker","topic":"job.chat.advanced","timeout_sec":180,
             "retry":{"max_retries":1,"initial_backoff_sec":2,"max_backoff_sec":10,"multiplier":2},
             "input":{"prompt":"review ${input.file_path}"}},
           "generate_patch":{"id":"generate_patch","name":"","type":"worker","topic":"job.code.llm",
             "depends_on":["plan_review"],"output_path":"out.patch","route_labels":{"gpu":"yes"},
             "worker_id":"w1","condition":"true","for_each":"input.files","max_parallel":2,"on_error":"x"}
         }}
        """#

    @Test func workflowDecodesEveryField() throws {
        let wf = try decode(Workflow.self, Self.definition)
        #expect(wf.id == "code_review_patch")
        #expect(wf.timeoutSec == 900)
        #expect(wf.config == ["model": .string("llama3")])
        #expect(wf.inputSchema == json(#"{"type":"object","required":["file_path"]}"#))
        #expect(wf.parameters == [json(#"{"name":"p"}"#)])
        #expect(abs(try #require(wf.createdAt).timeIntervalSince1970 - 1_766_224_800.123) < 0.001)
        let plan = try #require(wf.steps["plan_review"])
        #expect(plan.id == "plan_review", "the map key is the id")
        #expect(plan.retry == RetryPolicy(maxRetries: 1, initialBackoffSec: 2, maxBackoffSec: 10, multiplier: 2))
        #expect(plan.input == ["prompt": .string("review ${input.file_path}")])
        let gen = try #require(wf.steps["generate_patch"])
        #expect(gen.dependsOn == ["plan_review"])
        #expect(gen.routeLabels == ["gpu": "yes"])
        #expect(gen.isForEach && gen.hasCondition && gen.maxParallel == 2 && gen.workerID == "w1" && gen.onError == "x")
        #expect(wf.topic(of: gen) == "job.code.llm")
        #expect(wf.topic(of: WorkflowStep(id: "x")) == "job.workflow.code_review_patch")
    }

    @Test func workflowRoundTripsAndOmitsEmptyFields() throws {
        let wf = try decode(Workflow.self, Self.definition)
        let encoded = try encodeJSON(wf)
        #expect(try decode(Workflow.self, encoded.jsonString) == wf)
        #expect(encoded["config"] == json(#"{"model":"llama3"}"#))
        #expect(encoded["steps"]?["plan_review"]?["id"] == .string("plan_review"))
        #expect(encoded["created_at"] == .string("2025-12-20T10:00:00.123Z"))

        let bare = try encodeJSON(Workflow(id: "w", steps: [WorkflowStep(id: "s", type: .worker)]))
        #expect(bare["config"] == nil && bare["input_schema"] == nil && bare["parameters"] == nil)
        #expect(bare["created_at"] == .null, "always present")
        #expect(bare["steps"] == json(#"{"s":{"id":"s","name":"","type":"worker"}}"#), "step fields are omitempty")
    }

    @Test func stepTypesAreAnOpenSet() throws {
        let step = try decode(WorkflowStep.self, #"{"id":"a","type":"teleport"}"#)
        #expect(step.type == StepType("teleport") && !step.type.isKnown)
        #expect(try decode(WorkflowStep.self, #"{"id":"a"}"#).type.isKnown, "an omitted type is a plain job")
        #expect(StepType.known.count == 16)
        #expect(StepType.approval.isApproval && !StepType.worker.isApproval)
    }

    // MARK: Runs

    static let approvalRun = #"""
        {"id":"R","workflow_id":"e2e-approval-X","org_id":"default","team_id":"",
         "input":{"prompt":"hello from workflow e2e"},
         "context":{"steps":{"echo":{"result_ptr":"redis://res:R:echo@1","output":{"job_id":"R:echo@1"}}},
                    "output":{"echo":{"job_id":"R:echo@1"}}},
         "status":"succeeded","started_at":"2025-12-20T10:00:00Z","completed_at":"2025-12-20T10:00:05Z","output":null,"error":null,
         "steps":{"approve":{"step_id":"approve","status":"succeeded","started_at":"2025-12-20T10:00:00Z","completed_at":"2025-12-20T10:00:03Z"},
                  "echo":{"step_id":"echo","status":"succeeded","started_at":"2025-12-20T10:00:03Z","completed_at":"2025-12-20T10:00:05Z","attempts":1,
                          "input":{"prompt":"hello from workflow e2e"},"output":"redis://res:R:echo@1","job_id":"R:echo@1"}},
         "total_cost":0,"triggered_by":"","created_at":"2025-12-20T10:00:00Z","updated_at":"2025-12-20T10:00:05Z"}
        """#

    @Test func theContractsExampleRunDecodesAndRoundTrips() throws {
        let run = try decode(WorkflowRun.self, Self.approvalRun)
        #expect(run.status == .succeeded)
        #expect(run.steps["echo"]?.jobID == "R:echo@1")
        #expect(run.steps["echo"]?.attempts == 1)
        #expect(run.steps["echo"]?.output == .string("redis://res:R:echo@1"))
        #expect(run.context?["output"]?["echo"]?["job_id"] == .string("R:echo@1"))
        let encoded = try encodeJSON(run)
        #expect(encoded == json(Self.approvalRun), "same document, field for field")
    }

    @Test func alwaysPresentRunFieldsAreWrittenAsNull() throws {
        let encoded = try encodeJSON(WorkflowRun(id: "r", workflowID: "w"))
        for key in ["input", "context", "started_at", "completed_at", "output", "error", "created_at", "updated_at"] {
            #expect(encoded[key] == .null, "\(key)")
        }
        #expect(encoded["status"] == .string("pending"))
        #expect(encoded["steps"] == .object([:]))
        #expect(encoded["total_cost"] == .number(0))
        #expect(encoded["triggered_by"] == .string(""))
        #expect(encoded["labels"] == nil && encoded["metadata"] == nil)
    }

    @Test func forEachChildrenAreWrittenTwiceButHeldOnce() throws {
        var run = WorkflowRun(id: "r", workflowID: "w")
        var parent = StepRun(stepID: "fan", status: .running)
        var child = StepRun(stepID: "fan[0]", status: .running)
        child.item = .string("a")
        child.jobID = "r:fan[0]@1"
        parent.children["fan[0]"] = child
        run.steps["fan"] = parent
        let encoded = try encodeJSON(run)
        #expect(encoded["steps"]?["fan[0]"]?["job_id"] == .string("r:fan[0]@1"))
        #expect(encoded["steps"]?["fan"]?["children"]?["fan[0]"]?["item"] == .string("a"))
        let decoded = try decode(WorkflowRun.self, encoded.jsonString)
        #expect(decoded == run)
        #expect(decoded.steps.keys.sorted() == ["fan"])
        #expect(decoded.stepRun("fan[0]") == child)
    }

    @Test func aFlatChildWithoutItsNestedCopyIsFoldedIntoTheParent() throws {
        let run = try decode(
            WorkflowRun.self,
            #"""
            {"id":"r","workflow_id":"w","status":"running","steps":{
              "fan":{"step_id":"fan","status":"running"},
              "fan[1]":{"step_id":"fan[1]","status":"succeeded"}}}
            """#)
        #expect(run.steps["fan"]?.children["fan[1]"]?.status == .succeeded)
        #expect(run.steps["fan[1]"] == nil)
    }

    @Test func goNanosecondTimestampsParse() throws {
        let run = try decode(WorkflowRun.self, #"{"id":"r","started_at":"2025-12-20T12:00:00.123456789+02:00"}"#)
        #expect(abs(try #require(run.startedAt).timeIntervalSince1970 - 1_766_224_800.123) < 0.001)
    }

    @Test func goZeroTimesReadAsAbsentAndBadStatusesAreRejected() throws {
        let run = try decode(WorkflowRun.self, #"{"id":"r","status":"","started_at":"0001-01-01T00:00:00Z"}"#)
        #expect(run.status == .pending && run.startedAt == nil)
        #expect(throws: DecodingError.self) { _ = try decode(WorkflowRun.self, #"{"id":"r","status":"exploded"}"#) }
        #expect(throws: DecodingError.self) { _ = try decode(WorkflowRun.self, #"{"id":"r","started_at":"yesterday"}"#) }
    }

    @Test func stepRunExtensionsAreOmittedWhenUnused() throws {
        let plain = try encodeJSON(StepRun(stepID: "s"))
        #expect(plain == json(#"{"step_id":"s","status":"pending"}"#))
        var skipped = StepRun(stepID: "s", status: .succeeded)
        skipped.skipped = true
        skipped.approval = ApprovalRecord(approved: false, by: "ann", reason: "no", decidedAt: Date(timeIntervalSince1970: 0))
        skipped.error = WorkflowError("boom")
        let encoded = try encodeJSON(skipped)
        #expect(encoded["skipped"] == .bool(true))
        #expect(encoded["approval"] == json(#"{"approved":false,"by":"ann","reason":"no","decided_at":"1970-01-01T00:00:00Z"}"#))
        #expect(encoded["error"] == json(#"{"message":"boom"}"#))
        #expect(try decode(StepRun.self, encoded.jsonString) == skipped)
    }

    // MARK: Job ids

    @Test func jobIDsFormatAndParse() throws {
        let plain = WorkflowJobID(runID: "R", stepID: "echo", attempt: 1)
        #expect(plain.description == "R:echo@1")
        #expect(WorkflowJobID("R:echo@1") == plain)
        let child = WorkflowJobID(runID: "R", stepID: "fan", index: 2, attempt: 3)
        #expect(child.description == "R:fan[2]@3")
        #expect(child.stepRunID == "fan[2]")
        #expect(WorkflowJobID("R:fan[2]@3") == child)
        #expect(WorkflowJobID("a:b:step@2") == WorkflowJobID(runID: "a:b", stepID: "step", attempt: 2), "run id = up to the last ':'")
    }

    @Test(arguments: [
        "3f2c1e9a-uuid", "R:echo", "R:echo@", "R:echo@0", "R:echo@x", "R:echo@1-retry-abc", ":echo@1", "R:@1",
        "R:fan[x]@1", "R:fan[1@1", "R:fan]@1", "R:[1]@1", "R:fan[-1]@1", "R@1:echo",
    ])
    func malformedJobIDsAreNotWorkflowJobs(text: String) {
        #expect(WorkflowJobID(text) == nil)
    }

    // MARK: Retry policy (docs/workflows.md, "Retries")

    @Test func backoffGrowsByTheMultiplierAndIsCapped() {
        let policy = RetryPolicy(maxRetries: 5, initialBackoffSec: 2, maxBackoffSec: 10, multiplier: 2)
        #expect((1...5).map(policy.delay(afterAttempt:)) == [2, 4, 8, 10, 10])
    }

    @Test func multiplierOneMeansConstantAndZeroMeansTwo() {
        #expect(RetryPolicy(maxRetries: 3, initialBackoffSec: 1, multiplier: 1).delay(afterAttempt: 3) == 1)
        #expect(RetryPolicy(maxRetries: 3, initialBackoffSec: 1).delay(afterAttempt: 3) == 4)
        #expect(RetryPolicy(maxRetries: 3).delay(afterAttempt: 1) == 1, "initial defaults to 1 s")
        #expect(RetryPolicy(maxRetries: 3, initialBackoffSec: 0.5, multiplier: 1.5).delay(afterAttempt: 2) == 0.75, "fractions kept")
        #expect(RetryPolicy(maxRetries: 500, initialBackoffSec: 1).delay(afterAttempt: 400) == RetryPolicy.backoffCeiling)
    }

    @Test func maxRetriesNAllowsNPlusOneAttempts() {
        let policy = RetryPolicy(maxRetries: 2)
        #expect(policy.allowsRetry(afterAttempt: 1))
        #expect(policy.allowsRetry(afterAttempt: 2))
        #expect(!policy.allowsRetry(afterAttempt: 3))
        #expect(!RetryPolicy().allowsRetry(afterAttempt: 1))
    }

    @Test func retryPolicyFieldsAreOmitEmpty() throws {
        #expect(try encodeJSON(RetryPolicy(maxRetries: 1)) == json(#"{"max_retries":1}"#))
        #expect(try decode(RetryPolicy.self, "{}") == RetryPolicy())
    }
}

extension JSONValue {
    var jsonString: String { String(decoding: try! JSONEncoder().encode(self), as: UTF8.self) }
}
