import CoretexCore
import CoretexProtocol
import Foundation
import Testing

/// Approval steps: waiting, approving, rejecting.
@Suite struct WorkflowPlannerApprovalTests {
    // MARK: Approvals

    @Test func approvalWaitsThenTheNextStepIsDispatched() throws {
        var d = RunDriver([
            WorkflowStep(id: "a", topic: "job.echo"),
            WorkflowStep(id: "gate", type: .approval, dependsOn: ["a"]),
            WorkflowStep(id: "b", topic: "job.echo", dependsOn: ["gate"]),
        ])
        d.pass()
        d.finish(job("a"))
        #expect(d.status("gate") == .waiting)
        #expect(d.run.status == .waiting)
        #expect(d.published == [job("a")])
        #expect(d.pass().actions.isEmpty, "nothing to do while waiting")

        #expect(throws: ApprovalError.stepNotWaiting("b", status: nil)) {
            _ = try d.run.decide(approvalOf: "b", ApprovalDecision(approved: true), workflow: d.workflow, now: d.now)
        }
        let cancelled = try d.run.decide(
            approvalOf: "gate", ApprovalDecision(approved: true, approver: "ann"), workflow: d.workflow, now: d.now)
        #expect(cancelled.isEmpty)
        #expect(d.run.status == .running)
        #expect(d.run.steps["gate"]?.approval == ApprovalRecord(approved: true, by: "ann", reason: nil, decidedAt: d.now))
        d.pass()
        #expect(d.published == [job("a"), job("b")])
        d.finish(job("b"))
        #expect(d.run.status == .succeeded)
    }

    @Test func rejectionFailsTheRunWithTheReasonAndCancelsTheRest() throws {
        var d = RunDriver([
            WorkflowStep(id: "gate", type: .approval),
            WorkflowStep(id: "side", topic: "job.echo"),
            WorkflowStep(id: "after", topic: "job.echo", dependsOn: ["gate"]),
        ])
        d.pass()
        #expect(d.run.status == .waiting)
        #expect(d.published == [job("side")], "branches next to an approval still run")
        let cancel = try d.run.decide(
            approvalOf: "gate", ApprovalDecision(approved: false, approver: "ann", reason: "too risky"), workflow: d.workflow, now: d.now)
        #expect(cancel == [job("side")])
        #expect(d.run.status == .failed)
        #expect(d.run.error == WorkflowError("approval rejected by ann: too risky", stepID: "gate"))
        #expect(d.status("gate") == .failed)
        #expect(d.status("side") == .cancelled)
        #expect(d.status("after") == .cancelled, "never started, and never will")
    }

    @Test func approvalErrorsAreDistinguishable() throws {
        var d = RunDriver([WorkflowStep(id: "gate", type: .approval), WorkflowStep(id: "x", topic: "job.echo", dependsOn: ["gate"])])
        d.pass()
        #expect(throws: ApprovalError.stepNotFound("nope")) {
            _ = try d.run.decide(approvalOf: "nope", ApprovalDecision(approved: true), workflow: d.workflow, now: d.now)
        }
        #expect(throws: ApprovalError.stepNotWaiting("x", status: nil)) {
            _ = try d.run.decide(approvalOf: "x", ApprovalDecision(approved: true), workflow: d.workflow, now: d.now)
        }
        #expect(ApprovalError.stepNotFound("nope").description == "step not found")
        #expect(ApprovalError.stepNotWaiting("x", status: nil).description == "step not waiting")
        _ = try d.run.decide(approvalOf: "gate", ApprovalDecision(approved: true), workflow: d.workflow, now: d.now)
        #expect(throws: ApprovalError.stepNotWaiting("gate", status: .succeeded)) {
            _ = try d.run.decide(approvalOf: "gate", ApprovalDecision(approved: true), workflow: d.workflow, now: d.now)
        }
        _ = try d.run.cancel(workflow: d.workflow, now: d.now)
        #expect(throws: ApprovalError.runFinished(.cancelled)) {
            _ = try d.run.decide(approvalOf: "gate", ApprovalDecision(approved: true), workflow: d.workflow, now: d.now)
        }
    }

    @Test func anApprovalBodyMustSayApproved() throws {
        #expect(throws: DecodingError.self) { _ = try decode(ApprovalDecision.self, "{}") }
        #expect(try decode(ApprovalDecision.self, #"{"approved":false,"reason":"no"}"#) == ApprovalDecision(approved: false, reason: "no"))
    }

    @Test func aResultWhileWaitingStillMovesTheOtherBranch() {
        var d = RunDriver([
            WorkflowStep(id: "gate", type: .approval),
            WorkflowStep(id: "a", topic: "job.echo"),
            WorkflowStep(id: "b", topic: "job.echo", dependsOn: ["a"]),
        ])
        d.pass()
        #expect(d.run.status == .waiting)
        d.finish(job("a"))
        #expect(d.published == [job("a"), job("b")], "an approval moves the run at once, not at the reconciler's next scan")
        #expect(d.run.status == .waiting)
    }
}
