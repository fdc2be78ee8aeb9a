import CoretexCore
import CoretexProtocol
import Testing

/// The job state machine, checked exhaustively: every (from, to) pair.
@Suite struct JobTransitionsTests {
    static let all: [JobState?] = [nil] + JobState.allCases.map { $0 }

    @Test func terminalStatesNeverChange() {
        for from in JobState.terminal {
            for to in JobState.allCases {
                #expect(!JobTransitions.allows(from: from, to: to), "\(from) → \(to) must be illegal")
            }
        }
    }

    @Test func everyPairMatchesTheTable() {
        let expected: [JobState?: Set<JobState>] = [
            nil: [.pending],
            .pending: [.scheduled, .dispatched, .denied, .failed, .timeout, .cancelled],
            .scheduled: [.dispatched, .denied, .failed, .timeout, .cancelled],
            // → PENDING: a job whose worker is gone runs again.
            .dispatched: [.pending, .running, .succeeded, .failed, .cancelled, .timeout, .denied],
            .running: [.pending, .succeeded, .failed, .cancelled, .timeout, .denied],
        ]
        for from in Self.all {
            for to in JobState.allCases {
                let legal = expected[from]?.contains(to) ?? false
                #expect(JobTransitions.allows(from: from, to: to) == legal, "\(String(describing: from)) → \(to)")
            }
        }
    }

    @Test func aStateIsNeverATransitionToItself() {
        for state in JobState.allCases {
            #expect(!JobTransitions.allows(from: state, to: state))
        }
    }

    @Test func anUnknownJobCanOnlyBecomePending() {
        for to in JobState.allCases where to != .pending {
            #expect(!JobTransitions.allows(from: nil, to: to))
        }
    }

    @Test func everyNonTerminalStateCanBeCancelledOrTimedOut() {
        for state in JobState.allCases where !state.isTerminal {
            #expect(JobTransitions.allows(from: state, to: .cancelled))
            #expect(JobTransitions.allows(from: state, to: .timeout))
            #expect(JobTransitions.allows(from: state, to: .failed))
        }
    }

    @Test func sourcesAreTheInverseOfTheTable() {
        for to in JobState.allCases {
            let sources = JobTransitions.sources(of: to)
            for from in Self.all {
                #expect(sources.contains(from) == JobTransitions.allows(from: from, to: to))
            }
        }
    }

    @Test func resultStatusesMapToTerminalStates() {
        #expect(JobState(resultStatus: .succeeded) == .succeeded)
        #expect(JobState(resultStatus: .failed) == .failed)
        #expect(JobState(resultStatus: .cancelled) == .cancelled)
        #expect(JobState(resultStatus: .denied) == .denied)
        #expect(JobState(resultStatus: .timeout) == .timeout)
        // A non-terminal status in a result is a protocol error: the job fails.
        for status in [.unspecified, .pending, .scheduled, .dispatched, .running] as [Coretex_Agent_V1_JobStatus] {
            #expect(JobState(resultStatus: status) == .failed)
        }
    }

    @Test func stateNamesAreTheContractStrings() {
        #expect(
            JobState.allCases.map(\.rawValue) == [
                "PENDING", "SCHEDULED", "DISPATCHED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED", "TIMEOUT", "DENIED",
            ])
        #expect(JobState.succeeded.status.name == "JOB_STATUS_SUCCEEDED")
        #expect(JobState.running.indexName == "running")
    }
}
