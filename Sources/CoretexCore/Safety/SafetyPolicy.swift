import Foundation
import Yams

/// The safety kernel's policy (`config/safety.yaml`) and its decision procedure.
///
/// ```yaml
/// default_tenant: default
/// tenants:
///   default:
///     allow_topics: ["job.*"]
///     deny_topics: ["sys.*"]
/// ```
public struct SafetyPolicy: Sendable, Equatable {
    public struct Tenant: Sendable, Equatable, Decodable {
        public var allowTopics: [String] { didSet { allowPatterns = Self.compile(allowTopics) } }
        public var denyTopics: [String] { didSet { denyPatterns = Self.compile(denyTopics) } }
        public var allowedRepoHosts: [String]
        public var maxConcurrentJobs: Int
        /// The topic lists, trimmed and compiled once (every job is checked against them).
        fileprivate private(set) var allowPatterns: [TopicPattern]
        fileprivate private(set) var denyPatterns: [TopicPattern]

        public init(
            allowTopics: [String] = [], denyTopics: [String] = [],
            allowedRepoHosts: [String] = [], maxConcurrentJobs: Int = 0
        ) {
            self.allowTopics = allowTopics
            self.denyTopics = denyTopics
            self.allowedRepoHosts = allowedRepoHosts
            self.maxConcurrentJobs = maxConcurrentJobs
            allowPatterns = Self.compile(allowTopics)
            denyPatterns = Self.compile(denyTopics)
        }

        static func compile(_ patterns: [String]) -> [TopicPattern] {
            patterns.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.map(TopicPattern.init)
        }

        enum CodingKeys: String, CodingKey {
            case allowTopics = "allow_topics", denyTopics = "deny_topics"
            case allowedRepoHosts = "allowed_repo_hosts", maxConcurrentJobs = "max_concurrent_jobs"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            allowTopics = try c.decodeIfPresent([String].self, forKey: .allowTopics) ?? []
            denyTopics = try c.decodeIfPresent([String].self, forKey: .denyTopics) ?? []
            allowedRepoHosts = try c.decodeIfPresent([String].self, forKey: .allowedRepoHosts) ?? []
            maxConcurrentJobs = try c.decodeIfPresent(Int.self, forKey: .maxConcurrentJobs) ?? 0
            allowPatterns = Self.compile(allowTopics)
            denyPatterns = Self.compile(denyTopics)
        }
    }

    public var defaultTenant: String
    public var tenants: [String: Tenant]

    public init(defaultTenant: String = "", tenants: [String: Tenant] = [:]) {
        self.defaultTenant = defaultTenant
        self.tenants = tenants
    }

    public enum Decision: Equatable, Sendable {
        case allow
        case deny(String)
    }

    /// Decides whether `tenant` may run `topic`. First match wins;
    /// `effectiveConfig` is the JSON of `env.CORETEX_EFFECTIVE_CONFIG`, whose `safety` member
    /// may narrow the policy further.
    public func check(topic rawTopic: String, tenant rawTenant: String, effectiveConfig: String? = nil) -> Decision {
        Self.check(policy: self, topic: rawTopic, tenant: rawTenant, effectiveConfig: effectiveConfig)
    }

    /// The decision with no policy file loaded (only the fixed checks apply).
    public static func check(
        policy: SafetyPolicy?, topic rawTopic: String, tenant rawTenant: String,
        effectiveConfig: String? = nil
    ) -> Decision {
        let topic = trimmed(rawTopic)
        var tenant = trimmed(rawTenant)
        if tenant.isEmpty, let policy { tenant = policy.defaultTenant.trimmingCharacters(in: .whitespaces) }
        if tenant.isEmpty { return .deny("missing tenant") }
        if topic.isEmpty { return .deny("missing topic") }
        if !topic.hasPrefix("job.") { return .deny("unsupported topic") }

        if let policy, let rules = policy.tenants[tenant] ?? policy.tenants[policy.defaultTenant] ?? policy.tenants["default"] {
            if rules.denyPatterns.contains(where: { $0.matches(topic) }) {
                return .deny("topic '\(topic)' denied by tenant policy")
            }
            if !rules.allowTopics.isEmpty, !rules.allowPatterns.contains(where: { $0.matches(topic) }) {
                return .deny("topic '\(topic)' not allowed by tenant policy")
            }
        }
        if let effectiveConfig, !effectiveConfig.isEmpty,
            let object = try? JSONSerialization.jsonObject(with: Data(effectiveConfig.utf8)) as? [String: Any],
            let safety = object["safety"] as? [String: Any]
        {
            let denied = safety["denied_topics"] as? [String] ?? []
            let allowed = safety["allowed_topics"] as? [String] ?? []
            if matchesAny(denied, topic) { return .deny("topic '\(topic)' denied by effective config") }
            if !allowed.isEmpty, !matchesAny(allowed, topic) {
                return .deny("topic '\(topic)' not allowed by effective config")
            }
        }
        return .allow
    }

    private static func matchesAny(_ patterns: [String], _ topic: String) -> Bool {
        Tenant.compile(patterns).contains { $0.matches(topic) }
    }

    /// Without spaces around it; the usual, untrimmed case costs no Foundation call.
    private static func trimmed(_ text: String) -> String {
        guard let first = text.unicodeScalars.first, let last = text.unicodeScalars.last else { return text }
        let space = CharacterSet.whitespacesAndNewlines
        if !space.contains(first), !space.contains(last) { return text }
        return text.trimmingCharacters(in: space)
    }

    private struct File: Decodable {
        var default_tenant: String?
        var tenants: [String: Tenant]?
    }

    public static func parse(yaml: String, source: String = "safety.yaml") throws -> SafetyPolicy {
        do {
            let file = try YAMLDecoder().decode(File.self, from: yaml)
            return SafetyPolicy(defaultTenant: file.default_tenant ?? "", tenants: file.tenants ?? [:])
        } catch {
            throw ConfigError.invalid(source, "\(error)")
        }
    }

    /// Loads the policy; an empty path or a missing file means "no policy" (fixed checks only),
    /// a file that exists but does not parse is an error.
    public static func load(path: String) throws -> SafetyPolicy? {
        if path.isEmpty { return nil }
        do {
            return try parse(yaml: try ConfigFile.read(path), source: path)
        } catch ConfigError.missing {
            return nil
        }
    }
}
