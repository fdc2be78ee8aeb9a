import CoretexCore
import CoretexProtocol
import Testing

@Suite struct WorkflowValidationTests {
    static let served: Set<String> = ["job.echo", "job.chat.simple", "job.workflow.wf"]

    func issues(_ steps: [WorkflowStep], id: String = "wf", timeout: Int = 0) -> [WorkflowValidation.Issue] {
        WorkflowValidation.issues(in: Workflow(id: id, timeoutSec: timeout, steps: steps), topicExists: Self.served.contains)
    }

    func problems(_ step: WorkflowStep, plus others: [WorkflowStep] = []) -> [WorkflowValidation.Problem] {
        issues([step] + others).filter { $0.stepID == step.id }.map(\.problem)
    }

    @Test func aSoundDefinitionHasNoIssues() throws {
        let wf = Workflow(
            id: "wf", timeoutSec: 60,
            steps: [
                WorkflowStep(
                    id: "plan-1", topic: "job.chat.simple", input: ["prompt": .string("hi ${input.name}")], outputPath: "out.plan"),
                WorkflowStep(id: "gate", type: .approval, dependsOn: ["plan-1"]),
                WorkflowStep(
                    id: "fan", dependsOn: ["gate"], condition: "steps.plan-1.output.ok == true", forEach: "input.items",
                    maxParallel: 2, retry: RetryPolicy(maxRetries: 2, initialBackoffSec: 1, multiplier: 1), timeoutSec: 30),
                WorkflowStep(id: "default_topic", type: StepType("")),
            ])
        #expect(WorkflowValidation.issues(in: wf, topicExists: Self.served.contains) == [])
        try WorkflowValidation.validate(wf, topicExists: Self.served.contains)
    }

    @Test(arguments: [
        ("", "empty"), ("a:b", "\"a:b\" contains ':'"), ("a[0]", "\"a[0]\" contains '['"), ("a]", "\"a]\" contains ']'"),
        ("a@1", "\"a@1\" contains '@'"), ("a.b", "\"a.b\" contains '.'"), ("a b", "\"a b\" contains whitespace"),
        ("tab\t", "\"tab\t\" contains whitespace"),
    ])
    func badStepIDs(id: String, reason: String) {
        #expect(problems(WorkflowStep(id: id, topic: "job.echo")) == [.invalidStepID(reason)])
    }

    @Test func dependencies() {
        #expect(problems(WorkflowStep(id: "a", topic: "job.echo", dependsOn: ["ghost"])) == [.unknownDependency("ghost")])
        #expect(problems(WorkflowStep(id: "a", topic: "job.echo", dependsOn: ["a"])) == [.selfDependency])
    }

    @Test func cyclesAreNamed() {
        let found = issues([
            WorkflowStep(id: "a", topic: "job.echo", dependsOn: ["c"]),
            WorkflowStep(id: "b", topic: "job.echo", dependsOn: ["a"]),
            WorkflowStep(id: "c", topic: "job.echo", dependsOn: ["b"]),
            WorkflowStep(id: "d", topic: "job.echo", dependsOn: ["a"]),
        ])
        #expect(found == [WorkflowValidation.Issue(stepID: "a", .dependencyCycle(["a", "c", "b", "a"]))])
        #expect(found[0].description == "step \"a\": dependency cycle: a → c → b → a")
    }

    @Test func expressionsAndTemplatesAreParsedUpFront() throws {
        let step = WorkflowStep(
            id: "s", topic: "job.echo", condition: "a ==", forEach: "size(x)",
            input: ["ok": .string("${input.x}"), "bad": .array([.string("x ${oops")])])
        let found = problems(step)
        #expect(found.count == 3)
        guard found.count == 3 else { return }
        #expect(
            found[0] == .invalidExpression(field: "condition", ExpressionError("unexpected end of expression", column: 5, source: "a ==")))
        #expect(
            found[1]
                == .invalidExpression(
                    field: "for_each", ExpressionError("unknown function 'size' (known: length, first)", column: 1, source: "size(x)")))
        #expect(found[2].description == #"input.bad[0]: unterminated template expression (missing '}') at column 3 of "x ${oops""#)
        let issue = WorkflowValidation.Issue(stepID: "s", found[0])
        #expect(issue.description == "step \"s\": condition: unexpected end of expression at column 5 of `a ==`")
    }

    @Test func numbersMustNotBeNegative() {
        #expect(problems(WorkflowStep(id: "s", topic: "job.echo", maxParallel: -1)) == [.negativeMaxParallel(-1)])
        #expect(problems(WorkflowStep(id: "s", topic: "job.echo", timeoutSec: -5)) == [.negativeTimeout(-5)])
        #expect(issues([], timeout: -1) == [WorkflowValidation.Issue(stepID: nil, .negativeTimeout(-1))])
        let bad: [(RetryPolicy, String)] = [
            (RetryPolicy(maxRetries: -1), "max_retries must not be negative"),
            (RetryPolicy(maxRetries: 1, initialBackoffSec: -1), "initial_backoff_sec must not be negative"),
            (RetryPolicy(maxRetries: 1, maxBackoffSec: -1), "max_backoff_sec must not be negative"),
            (RetryPolicy(maxRetries: 1, multiplier: 0.5), "multiplier must be 0 (default 2) or at least 1"),
            (RetryPolicy(maxRetries: 1, multiplier: -2), "multiplier must be 0 (default 2) or at least 1"),
        ]
        for (retry, reason) in bad {
            #expect(problems(WorkflowStep(id: "s", topic: "job.echo", retry: retry)) == [.invalidRetry(reason)])
        }
    }

    @Test func approvalStepsCannotFanOutAndNeedNoTopic() {
        #expect(problems(WorkflowStep(id: "g", type: .approval, forEach: "input.x")) == [.approvalWithForEach])
        #expect(problems(WorkflowStep(id: "g", type: .approval, topic: "nonsense")) == [])
    }

    @Test func topicsMustBeJobTopicsThatSomeoneServes() {
        #expect(problems(WorkflowStep(id: "s", topic: "sys.job.submit")) == [.invalidTopic("sys.job.submit")])
        #expect(problems(WorkflowStep(id: "s", topic: "job.")) == [.invalidTopic("job.")])
        #expect(problems(WorkflowStep(id: "s", topic: "job.nobody")) == [.unknownTopic("job.nobody")])
        // The default topic is checked too.
        #expect(issues([WorkflowStep(id: "s")], id: "other").map(\.problem) == [.unknownTopic("job.workflow.other")])
    }

    @Test func unknownStepTypesAndOutputPaths() {
        #expect(problems(WorkflowStep(id: "s", type: StepType("teleport"), topic: "job.echo")) == [.unknownStepType("teleport")])
        #expect(
            problems(WorkflowStep(id: "s", topic: "job.echo", outputPath: "a..b")) == [.invalidOutputPath("\"a..b\" has an empty segment")])
        #expect(
            problems(WorkflowStep(id: "s", topic: "job.echo", outputPath: "steps.x")) == [
                .invalidOutputPath("\"steps.x\" would overwrite context.steps")
            ])
    }

    @Test func workflowIDsThatCollideWithIndexesAreRejected() {
        for id in ["all", "status:running", "my wf"] {
            #expect(issues([], id: id) == [WorkflowValidation.Issue(stepID: nil, .invalidWorkflowID(id))])
        }
    }

    @Test func validateThrowsTheFirstIssue() {
        let wf = Workflow(
            id: "wf", steps: [WorkflowStep(id: "b", topic: "job.echo", dependsOn: ["x"]), WorkflowStep(id: "a:1", topic: "job.echo")])
        #expect(throws: WorkflowValidation.Issue(stepID: "a:1", .invalidStepID("\"a:1\" contains ':'"))) {
            try WorkflowValidation.validate(wf, topicExists: Self.served.contains)
        }
    }
}
