/// Checks a definition when it is saved, so that a run can never hang on it and every
/// problem is reported with the step it concerns.
///
/// Without these checks, unknown or cyclic dependencies would leave runs `running` for ever,
/// and a broken expression would only be noticed (and logged) at run time.
public enum WorkflowValidation {
    public struct Issue: Error, Equatable, Sendable, CustomStringConvertible {
        /// The step concerned; nil for workflow-level problems.
        public var stepID: String?
        public var problem: Problem

        public init(stepID: String?, _ problem: Problem) {
            self.stepID = stepID
            self.problem = problem
        }

        public var description: String {
            guard let stepID else { return "workflow: \(problem)" }
            return "step \"\(stepID)\": \(problem)"
        }
    }

    public enum Problem: Equatable, Sendable, CustomStringConvertible {
        case invalidWorkflowID(String)
        case negativeTimeout(Int)
        case invalidStepID(String)
        case unknownStepType(String)
        case unknownDependency(String)
        case selfDependency
        /// The steps of the cycle in order, the first repeated at the end: `a → b → a`.
        case dependencyCycle([String])
        case invalidExpression(field: String, ExpressionError)
        case invalidTemplate(TemplateError)
        case invalidOutputPath(String)
        case negativeMaxParallel(Int)
        case invalidRetry(String)
        case approvalWithForEach
        case invalidTopic(String)
        case unknownTopic(String)

        public var description: String {
            switch self {
            case .invalidWorkflowID(let id):
                "invalid workflow id \"\(id)\": must not be \"all\", start with \"status:\", or contain whitespace"
            case .negativeTimeout(let t): "timeout_sec must not be negative (got \(t))"
            case .invalidStepID(let reason): "invalid step id: \(reason)"
            case .unknownStepType(let t):
                "unknown step type \"\(t)\" (known: \(StepType.known.map(\.rawValue).joined(separator: ", ")))"
            case .unknownDependency(let d): "depends on unknown step \"\(d)\""
            case .selfDependency: "depends on itself"
            case .dependencyCycle(let path): "dependency cycle: \(path.joined(separator: " → "))"
            case .invalidExpression(let field, let e): "\(field): \(e)"
            case .invalidTemplate(let e): "input.\(e)"
            case .invalidOutputPath(let reason): "invalid output_path: \(reason)"
            case .negativeMaxParallel(let n): "max_parallel must not be negative (got \(n))"
            case .invalidRetry(let reason): "invalid retry: \(reason)"
            case .approvalWithForEach: "an approval step cannot have for_each"
            case .invalidTopic(let t): "topic \"\(t)\" must start with \"job.\""
            case .unknownTopic(let t): "no worker pool serves topic \"\(t)\""
            }
        }
    }

    /// Characters a step id must not contain: `:`, `[`, `]` and `@` make job ids ambiguous
    /// (see `WorkflowJobID`), `.` breaks `steps.<id>` paths.
    static let forbiddenStepIDCharacters: Set<Character> = [":", "[", "]", "@", "."]

    /// Every problem of the definition, workflow-level first, then per step in id order,
    /// then cycles. Empty means valid.
    ///
    /// `topicExists` says whether some worker pool serves a topic (the caller knows the pool
    /// routing). It is asked about each job step's effective topic, including the default
    /// `job.workflow.<id>`, because a job nobody serves fails at placement anyway.
    public static func issues(in workflow: Workflow, topicExists: (String) -> Bool) -> [Issue] {
        var issues: [Issue] = []
        let id = workflow.id
        if id == "all" || id.hasPrefix("status:") || id.contains(where: \.isWhitespace) {
            issues.append(Issue(stepID: nil, .invalidWorkflowID(id)))
        }
        if workflow.timeoutSec < 0 { issues.append(Issue(stepID: nil, .negativeTimeout(workflow.timeoutSec))) }
        for stepID in workflow.steps.keys.sorted() {
            let step = workflow.steps[stepID]!
            issues += stepIssues(step, id: stepID, in: workflow, topicExists: topicExists).map { Issue(stepID: stepID, $0) }
        }
        if let cycle = firstCycle(in: workflow) {
            issues.append(Issue(stepID: cycle[0], .dependencyCycle(cycle)))
        }
        return issues
    }

    /// Throws the first problem, for callers that answer with a single error.
    public static func validate(_ workflow: Workflow, topicExists: (String) -> Bool) throws(Issue) {
        if let first = issues(in: workflow, topicExists: topicExists).first { throw first }
    }

    /// Why a step id is unusable, or nil when it is fine.
    public static func stepIDProblem(_ id: String) -> String? {
        if id.isEmpty { return "empty" }
        if id.contains(where: \.isWhitespace) { return "\"\(id)\" contains whitespace" }
        if let bad = id.first(where: forbiddenStepIDCharacters.contains) { return "\"\(id)\" contains '\(bad)'" }
        return nil
    }

    private static func stepIssues(
        _ step: WorkflowStep, id: String, in workflow: Workflow, topicExists: (String) -> Bool
    ) -> [Problem] {
        var problems: [Problem] = []
        if let reason = stepIDProblem(id) { problems.append(.invalidStepID(reason)) }
        if !step.type.isKnown { problems.append(.unknownStepType(step.type.rawValue)) }
        for dependency in step.dependsOn {
            if dependency == id {
                problems.append(.selfDependency)
            } else if workflow.steps[dependency] == nil {
                problems.append(.unknownDependency(dependency))
            }
        }
        if step.hasCondition {
            do { _ = try WorkflowExpression(step.condition) } catch { problems.append(.invalidExpression(field: "condition", error)) }
        }
        if step.isForEach {
            do { _ = try WorkflowExpression(step.forEach) } catch { problems.append(.invalidExpression(field: "for_each", error)) }
        }
        problems += StepTemplate.problems(in: .object(step.input)).map(Problem.invalidTemplate)
        if let reason = outputPathProblem(step.outputPath) { problems.append(.invalidOutputPath(reason)) }
        if step.maxParallel < 0 { problems.append(.negativeMaxParallel(step.maxParallel)) }
        if step.timeoutSec < 0 { problems.append(.negativeTimeout(step.timeoutSec)) }
        if let retry = step.retry, let reason = retryProblem(retry) { problems.append(.invalidRetry(reason)) }
        if step.type.isApproval {
            if step.isForEach { problems.append(.approvalWithForEach) }
        } else {
            let topic = workflow.topic(of: step)
            if !topic.hasPrefix("job.") || topic.count <= 4 {
                problems.append(.invalidTopic(topic))
            } else if !topicExists(topic) {
                problems.append(.unknownTopic(topic))
            }
        }
        return problems
    }

    private static func outputPathProblem(_ path: String) -> String? {
        if path.isEmpty { return nil }
        let segments = path.split(separator: ".", omittingEmptySubsequences: false)
        if segments.contains(where: \.isEmpty) { return "\"\(path)\" has an empty segment" }
        // `context.steps` belongs to the engine; writing over it would hide step outputs.
        if segments[0] == "steps" { return "\"\(path)\" would overwrite context.steps" }
        return nil
    }

    private static func retryProblem(_ retry: RetryPolicy) -> String? {
        if retry.maxRetries < 0 { return "max_retries must not be negative" }
        if retry.initialBackoffSec < 0 { return "initial_backoff_sec must not be negative" }
        if retry.maxBackoffSec < 0 { return "max_backoff_sec must not be negative" }
        if retry.multiplier < 0 || (retry.multiplier > 0 && retry.multiplier < 1) {
            return "multiplier must be 0 (default 2) or at least 1"
        }
        return nil
    }

    /// A dependency cycle (self-dependencies excluded, they are reported per step), found by
    /// depth-first search in id order so the report is deterministic.
    static func firstCycle(in workflow: Workflow) -> [String]? {
        enum Mark { case visiting, done }
        var marks: [String: Mark] = [:]
        var path: [String] = []

        func visit(_ id: String) -> [String]? {
            marks[id] = .visiting
            path.append(id)
            let deps = (workflow.steps[id]?.dependsOn ?? []).filter { $0 != id && workflow.steps[$0] != nil }
            for dep in Set(deps).sorted() {
                switch marks[dep] {
                case .visiting:
                    let start = path.firstIndex(of: dep)!
                    return Array(path[start...]) + [dep]
                case .done:
                    continue
                case nil:
                    if let cycle = visit(dep) { return cycle }
                }
            }
            path.removeLast()
            marks[id] = .done
            return nil
        }

        for id in workflow.steps.keys.sorted() where marks[id] == nil {
            if let cycle = visit(id) { return cycle }
        }
        return nil
    }
}
