/// The Redis layout of workflows (docs/protocol.md, "Redis layout"), in one place.
public enum WorkflowKeys {
    public static func definition(_ id: String) -> String { "wf:def:\(id)" }
    public static let allDefinitions = "wf:index:all"
    public static func orgDefinitions(_ org: String) -> String { "wf:index:org:\(org)" }
    public static func run(_ id: String) -> String { "wf:run:\(id)" }
    public static func runsOf(_ workflowID: String) -> String { "wf:runs:\(workflowID)" }
    public static let allRuns = "wf:runs:all"
    public static func runsIn(_ status: String) -> String { "wf:runs:status:\(status)" }
    public static func runLock(_ runID: String) -> String { "coretex:wf:run:lock:\(runID)" }
    public static let reconcilerLock = "coretex:workflow-engine:reconciler:default"
}
