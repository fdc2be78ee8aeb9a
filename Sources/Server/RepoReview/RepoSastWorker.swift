import CoretexCore
import CoretexWorkers
import Foundation

/// `job.repo.sast`: static checks over the scanned files with the rules of
/// `config/sast-rules.yaml` plus any in `SAST_RULES_PATHS` (docs/repo-review.md,
/// "job.repo.sast"). Findings always come as an array.
public struct RepoSastWorker: JobHandler {
    let workspace: RepoWorkspace
    let rules: SastRuleSet

    package init(workspace: RepoWorkspace, rules: SastRuleSet) {
        self.workspace = workspace
        self.rules = rules
    }

    struct Input: Decodable {
        var archive_ptr: String
        var files: [RepoFile]
    }

    public func handle(_ job: JobInput) async throws -> Data {
        let input = try RepoInput.decode(Input.self, from: job)
        let findings = try await workspace.withCheckout(input.archive_ptr) { root in
            var findings: [SastFinding] = []
            for file in input.files {
                try Task.checkCancellation()
                guard let data = FileManager.default.contents(atPath: root + "/" + file.path) else { continue }
                findings += SastScanner.scan(
                    text: String(decoding: data, as: UTF8.self), path: file.path,
                    language: file.language, rules: rules)
            }
            return findings
        }
        struct Result: Encodable {
            var findings: [SastFinding]
            var files_scanned: Int
            var rules: Int
        }
        return try JSONEncoder.sorted.encode(Result(findings: findings, files_scanned: input.files.count, rules: rules.rules.count))
    }

    /// The shipped rules (`SAST_RULES_PATH`, default `config/sast-rules.yaml`) and the extra
    /// files of `SAST_RULES_PATHS` (colon-separated), later ones overriding earlier ones by id.
    package static func loadRules(_ settings: Settings) throws -> SastRuleSet {
        SastRuleSet.merge(
            try ([settings.sastRulesPath] + settings.sastRulesPaths).map { path in
                guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                    throw RepoError("cannot read SAST rules at \(path)")
                }
                return try SastRuleSet.parse(yaml: text, source: path)
            })
    }
}
