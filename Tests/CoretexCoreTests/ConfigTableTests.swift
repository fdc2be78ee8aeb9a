import CoretexCore
import Foundation
import Testing

/// The environment table is the one home of configuration: the docs are generated from it,
/// its defaults are what the roles get, and no role reads the environment behind its back.
@Suite struct ConfigTableTests {
    static let root = #filePath.components(separatedBy: "/Tests/")[0]

    @Test func docsConfigurationIsGeneratedFromTheTable() throws {
        let file = try String(contentsOfFile: "\(Self.root)/docs/configuration.md", encoding: .utf8)
        #expect(file == ConfigDocs.markdown(), "docs/configuration.md is stale: run `make docs`")
    }

    @Test func namesAreUniqueAndEveryDefaultParsesAsItsKind() {
        let names = ConfigVariable.all.map(\.name)
        #expect(Set(names).count == names.count)
        for v in ConfigVariable.all where !v.defaultValue.isEmpty {
            switch v.kind {
            case .integer, .seconds, .milliseconds, .bytes: #expect(Int(v.defaultValue) != nil, "\(v.name)")
            case .duration: #expect(GoDuration.seconds(v.defaultValue) != nil, "\(v.name)")
            case .flag: #expect(["true", "false"].contains(v.defaultValue), "\(v.name)")
            case .address: #expect(HostPort(v.defaultValue) != nil, "\(v.name)")
            case .text, .url, .path, .list, .secret: break
            }
        }
    }

    /// Each variable's documented default is what a role gets with an empty environment.
    @Test func emptyEnvironmentGivesTheDocumentedDefaults() {
        let s = Settings(environment: [:])
        typealias V = ConfigVariable
        #expect(s.natsURL == V.natsURL.defaultValue)
        #expect(s.gatewayHTTPAddr == V.gatewayHTTPAddr.defaultValue)
        #expect(s.workflowEngineHTTPAddr == V.workflowEngineHTTPAddr.defaultValue)
        #expect(String(s.rateLimitRPS) == V.rateLimitRPS.defaultValue)
        #expect(String(s.maxBodyBytes) == V.maxBodyBytes.defaultValue)
        #expect(s.dataTTL == 24 * 3600 && s.metaTTL == 7 * 24 * 3600)
        #expect(s.workflowScanInterval == 5 && s.workflowRunTTL == 7 * 86_400)
        #expect(s.safetyKernelWaitSeconds == 10 && s.workerTTL == 30 && s.heartbeatIntervalMs == 1000)
        #expect(s.ollamaURL == V.ollamaURL.defaultValue && s.ollamaRetries == 2 && s.ollamaTimeoutSeconds == 120)
        #expect(s.repoLocalRoots == nil && s.repoTestAllowlist == nil && s.sastRulesPaths.isEmpty)
        #expect(s.repoReviewTestCommand == "go test ./..." && s.plannerTopic == "job.workflow.plan" && !s.usePlanner)
        #expect(s.workerID == nil && s.workerMaxParallel == nil && !s.natsURLGiven && !s.redisURLGiven)
    }

    @Test func givenValuesWinAndNonsenseFallsBack() {
        let s = Settings(environment: [
            "WORKFLOW_ENGINE_SCAN_INTERVAL": "250ms", "OLLAMA_RETRIES": "0", "REPO_LOCAL_ROOTS": "/a::/b",
            "REPO_TEST_ALLOWLIST": " make test ; npm test ;", "ECHO_DELAY_MS": "-3", "SAFETY_KERNEL_WAIT_SECONDS": "0",
            "USE_PLANNER": "true", "WORKER_MAX_PARALLEL": "x", "NATS_URL": " nats://h:1 ",
        ])
        #expect(s.workflowScanInterval == 0.25)
        #expect(s.ollamaRetries == 0 && s.safetyKernelWaitSeconds == 0 && s.echoDelayMs == 0 && s.usePlanner)
        #expect(s.repoLocalRoots == ["/a", "/b"] && s.repoTestAllowlist == ["make test", "npm test"])
        #expect(s.workerMaxParallel == nil && s.natsURL == "nats://h:1" && s.natsURLGiven)
    }

    /// Rules carried over from the variables' first readers: an invalid duration form leaves
    /// the seconds form in force, negative counts mean none, a present empty list means none.
    @Test func edgeCasesKeepTheirMeaning() {
        func s(_ env: [String: String]) -> Settings { Settings(environment: env) }
        #expect(s(["REDIS_DATA_TTL": "7d", "REDIS_DATA_TTL_SECONDS": "604800"]).dataTTL == 604_800)
        #expect(s(["REDIS_DATA_TTL": "7d"]).dataTTL == 86_400)
        #expect(s(["JOB_META_TTL": "2h", "JOB_META_TTL_SECONDS": "60"]).metaTTL == 7_200)
        #expect(s(["OLLAMA_RETRIES": "-1"]).ollamaRetries == 0 && s(["OLLAMA_RETRIES": "x"]).ollamaRetries == 2)
        #expect(s(["SAFETY_KERNEL_WAIT_SECONDS": "-1"]).safetyKernelWaitSeconds == 0)
        #expect(s(["REPO_TEST_ALLOWLIST": ";"]).repoTestAllowlist == [])
        #expect(s(["REPO_LOCAL_ROOTS": ""]).repoLocalRoots == [])
    }

    /// Roles receive typed settings: nothing in the control plane reads the environment or
    /// sets it, except where a child process is handed its own environment.
    @Test func nothingElseReadsTheEnvironment() throws {
        let allowed: Set<String> = [
            "Sources/CoretexCore/Config/Settings.swift",  // the one reader
            "Sources/CoretexInfra/Process/ManagedProcess.swift",  // a child's environment and PATH
            "Sources/Server/RepoReview/Subprocess.swift",  // PATH for a tool the review runs
            "Sources/Server/RepoReview/RepoScanWorker.swift",  // git's environment
            "Sources/Server/RepoReview/RepoTestsWorker.swift",  // the sandboxed test's PATH
        ]
        let pattern = try Regex(#"ProcessInfo\.processInfo\.environment|\bgetenv\(|\bsetenv\(|\bunsetenv\("#)
        var offenders: [String] = []
        for dir in ["Sources/Server", "Sources/CoretexCore", "Sources/CoretexInfra"] {
            let base = "\(Self.root)/\(dir)"
            for case let path as String in FileManager.default.enumerator(atPath: base) ?? .init()
            where path.hasSuffix(".swift") && !allowed.contains("\(dir)/\(path)") {
                let text = try String(contentsOfFile: "\(base)/\(path)", encoding: .utf8)
                for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
                where line.contains(pattern) {
                    offenders.append("\(dir)/\(path):\(n + 1)")
                }
            }
        }
        #expect(offenders.isEmpty, "environment read outside Settings: \(offenders)")
    }
}
