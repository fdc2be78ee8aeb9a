import CoretexCore
import CoretexProtocol
import Foundation

/// What the console knows about the control plane, refreshed from the gateway.
public struct ConsoleData: Sendable {
    public var jobs: [JobRecord] {
        get { jobList }
        set {
            jobList = newValue
            jobIndex = Dictionary(newValue.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
        }
    }
    private var jobList: [JobRecord] = []
    /// Where each job is in `jobs`, so a stream event updates its row without a scan.
    private var jobIndex: [String: Int] = [:]
    public var runs: [WorkflowRun] = []
    public var approvals: [PendingApproval] = []
    public var workers: [WorkerInfo] = []
    public var deadLetters: [DLQEntry] = []
    public var jobDetails: [String: JobDetail] = [:]
    public var runDetails: [String: WorkflowRun] = [:]
    public var traces: [String: [JobRecord]] = [:]
    public var memory: [String: MemoryView] = [:]
    /// The stream tail, newest last, bounded.
    public var stream: [String] = []
    public static let streamLimit = 2000

    public init() {}

    /// A result seen on the stream: the job's row shows its final state and worker at once,
    /// between two refreshes (which stay the source of truth).
    public mutating func apply(result: Coretex_Agent_V1_JobResult) {
        guard let i = jobIndex[result.jobID], jobList.indices.contains(i) else { return }
        var record = jobList[i]
        record.state = JobState(resultStatus: result.status).rawValue
        if !result.workerID.isEmpty { record.workerID = result.workerID }
        record.updatedAt = Int(Date().timeIntervalSince1970)
        jobList[i] = record  // the same position: the index stays valid
    }

    public mutating func append(streamLine line: String) {
        stream.append(line)
        if stream.count > Self.streamLimit { stream.removeFirst(stream.count - Self.streamLimit) }
    }
}

/// A step waiting for a decision, addressed by run and step.
public struct StepRef: Hashable, Sendable {
    public var run: String
    public var step: String
    public init(run: String, step: String) {
        self.run = run
        self.step = step
    }
    var key: String { "\(run)/\(step)" }
}

/// Work the console asks the app to do (network calls, quitting). Keeping it as data keeps
/// the console testable without a gateway.
public enum Effect: Sendable, Equatable {
    case quit
    case load(View)
    case cancelJobs([String])
    case cancelRun(String)
    case approve([StepRef])
    case reject(StepRef, reason: String)
    case retryDeadLetters([String])
    case deleteDeadLetters([String])
}

/// A clickable area drawn by the renderer.
public struct Button: Sendable, Equatable {
    public enum Target: Sendable, Equatable {
        case approve(StepRef)
        case reject(StepRef)
        case row(Int)
    }
    public var row: Int
    public var col: Int
    public var width: Int
    public var target: Target

    public func contains(row r: Int, col c: Int) -> Bool { r == row && c >= col && c < col + width }
}
