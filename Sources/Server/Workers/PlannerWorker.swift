import CoretexCore
import CoretexProtocol
import Foundation

/// `job.workflow.plan`: a deterministic planner, no model, so the same files give the same plan.
///
/// Without `files` it returns the demo's two-step plan (patch, then explain the patch). With
/// `files` it ranks them by language weight, size and lines and keeps the first `max_files`;
/// ties are broken by path so the same input always gives the same plan.
public struct PlannerWorker: JobHandler {
    public init() {}

    public struct Step: Codable, Sendable, Equatable {
        public var id: String
        public var topic: String
        public var adapter_id: String
        public var depends_on: [String]?
    }

    /// The demo's plan: a patch from code-llm, then chat explains that patch.
    public static let demoSteps = [
        Step(id: "patch", topic: "job.code.llm", adapter_id: "refactor", depends_on: nil),
        Step(id: "explain", topic: "job.chat.simple", adapter_id: "explain", depends_on: ["patch"]),
    ]

    struct File: Decodable {
        var path: String
        var language: String?
        var bytes: Int?
        var loc: Int?
    }

    struct Input: Decodable {
        var workflow: String?
        var files: [File]?
        var max_files: Int?
        init() {}
    }

    public func handle(_ job: JobInput) async throws -> Data {
        let input = (job.context.flatMap { try? JSONDecoder().decode(Input.self, from: $0) }) ?? Input()
        let workflow = [input.workflow, job.request.workflowID].compactMap { $0 }.first { !$0.isEmpty } ?? "code_review_demo"
        guard let files = input.files, !files.isEmpty else {
            struct Plan: Encodable { var workflow: String; var steps: [Step] }
            return try JSONEncoder.sorted.encode(Plan(workflow: workflow, steps: Self.demoSteps))
        }
        struct Plan: Encodable { var workflow: String; var files: [String] }
        return try JSONEncoder.sorted.encode(Plan(workflow: workflow, files: Self.rank(files, maxFiles: input.max_files ?? 0)))
    }

    /// Highest score first: language weight × 1000 + 2 × lines + bytes.
    static func rank(_ files: [File], maxFiles: Int) -> [String] {
        func score(_ f: File) -> Int { weight(f.language ?? "") * 1000 + 2 * (f.loc ?? 0) + (f.bytes ?? 0) }
        let limit = maxFiles > 0 ? maxFiles : 200
        return files.sorted { (score($0), $1.path) > (score($1), $0.path) }.prefix(limit).map(\.path)
    }

    static func weight(_ language: String) -> Int {
        switch language.lowercased() {
        case "cpp", "c++", "cxx", "hpp", "hxx": 5
        case "c", "go", "python", "rust": 4
        case "typescript", "javascript", "java", "csharp": 3
        case "ruby", "php", "shell", "bash": 2
        default: 1
        }
    }
}
