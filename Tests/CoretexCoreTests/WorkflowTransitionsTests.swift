import CoretexCore
import Testing

/// The run and step state machines, checked exhaustively: every (from, to) pair.
@Suite struct WorkflowTransitionsTests {
    // MARK: Runs

    @Test func everyRunPairMatchesTheTable() {
        let expected: [RunStatus: Set<RunStatus>] = [
            .pending: [.running, .failed, .cancelled],
            .running: [.waiting, .succeeded, .failed, .cancelled, .timedOut],
            .waiting: [.running, .succeeded, .failed, .cancelled, .timedOut],
        ]
        for from in RunStatus.allCases {
            for to in RunStatus.allCases {
                let legal = expected[from]?.contains(to) ?? false
                #expect(RunTransitions.allows(from: from, to: to) == legal, "\(from) → \(to)")
            }
        }
    }

    @Test func terminalRunsNeverChange() {
        for from in RunStatus.allCases where from.isTerminal {
            for to in RunStatus.allCases { #expect(!RunTransitions.allows(from: from, to: to), "\(from) → \(to)") }
        }
    }

    @Test func everyActiveRunCanBeCancelledOrFailed() {
        for from in RunStatus.allCases where !from.isTerminal {
            #expect(RunTransitions.allows(from: from, to: .cancelled))
            #expect(RunTransitions.allows(from: from, to: .failed))
        }
    }

    @Test func runStatusNamesAreTheContractStrings() {
        #expect(RunStatus.allCases.map(\.rawValue) == ["pending", "running", "waiting", "succeeded", "failed", "cancelled", "timed_out"])
        #expect(RunStatus.allCases.filter(\.isTerminal) == [.succeeded, .failed, .cancelled, .timedOut])
    }

    // MARK: Steps

    static let allSteps: [StepStatus?] = [nil] + StepStatus.allCases.map { $0 }

    @Test func everyStepPairMatchesTheTable() {
        let expected: [StepStatus?: Set<StepStatus>] = [
            nil: [.pending, .running, .waiting, .succeeded, .failed, .cancelled],
            .pending: [.running, .waiting, .succeeded, .failed, .cancelled],
            .running: [.pending, .succeeded, .failed, .cancelled, .timedOut],
            .waiting: [.succeeded, .failed, .cancelled],
        ]
        for from in Self.allSteps {
            for to in StepStatus.allCases {
                let legal = expected[from]?.contains(to) ?? false
                #expect(StepTransitions.allows(from: from, to: to) == legal, "\(String(describing: from)) → \(to)")
            }
        }
    }

    @Test func terminalStepsNeverChange() {
        for from in StepStatus.allCases where from.isTerminal {
            for to in StepStatus.allCases { #expect(!StepTransitions.allows(from: from, to: to)) }
        }
    }

    @Test func aStepIsNeverATransitionToItself() {
        for status in StepStatus.allCases { #expect(!StepTransitions.allows(from: status, to: status)) }
    }

    @Test func onlyAJobCanTimeAStepOut() {
        for from in Self.allSteps where from != .running { #expect(!StepTransitions.allows(from: from, to: .timedOut)) }
    }

    @Test func stepStatusNamesMatchTheRunsAndTheContract() {
        #expect(StepStatus.allCases.map(\.rawValue) == RunStatus.allCases.map(\.rawValue))
        #expect(StepStatus.allCases.filter(\.isUnsuccessful) == [.failed, .cancelled, .timedOut])
    }

    // MARK: Aggregation (docs/workflows.md, "Run status")

    func aggregate(_ statuses: [StepStatus?], current: RunStatus = .running) -> RunStatus {
        var steps: [String: StepRun] = [:]
        for (i, status) in statuses.enumerated() {
            if let status { steps["s\(i)"] = StepRun(stepID: "s\(i)", status: status) }
        }
        return RunStatusAggregation.status(current: current, steps: steps, stepIDs: statuses.indices.map { "s\($0)" })
    }

    @Test func aggregationFollowsThePrecedenceOfTheContract() {
        #expect(aggregate([.succeeded, .failed, .timedOut, .waiting]) == .failed)
        #expect(aggregate([.succeeded, .cancelled, .timedOut]) == .failed)
        #expect(aggregate([.timedOut, .waiting, .running]) == .timedOut)
        #expect(aggregate([.waiting, .running, nil]) == .waiting)
        #expect(aggregate([.succeeded, .succeeded]) == .succeeded)
        #expect(aggregate([.succeeded, nil]) == .running, "a step without a StepRun has not succeeded")
        #expect(aggregate([.succeeded, .pending]) == .running)
        #expect(aggregate([]) == .succeeded, "nothing to do is done")
        #expect(aggregate([.waiting], current: .waiting) == .waiting)
        #expect(aggregate([.running], current: .waiting) == .running)
    }

    @Test func aTerminalRunKeepsItsStatus() {
        for current in RunStatus.allCases where current.isTerminal {
            #expect(aggregate([.running, .failed], current: current) == current)
        }
    }

    @Test func aggregationOnlyLooksAtTheGivenSteps() {
        let steps = ["a": StepRun(stepID: "a", status: .succeeded), "old": StepRun(stepID: "old", status: .failed)]
        #expect(RunStatusAggregation.status(current: .running, steps: steps, stepIDs: ["a"]) == .succeeded)
    }
}
