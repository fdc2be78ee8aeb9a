import Yams

/// `config/timeouts.yaml`: how long jobs may take and how the reconciler scans.
///
/// Every section is used: `topics.<t>.timeout_seconds` becomes the
/// deadline of a job of that topic that has none of its own, and `scheduler.placement_wait_seconds`
/// bounds how long a job waits for a worker before it fails.
public struct TimeoutConfig: Sendable, Equatable {
    public struct Topic: Sendable, Equatable, Decodable {
        public var timeoutSeconds: Int = 0
        public var maxRetries: Int = 0
        enum CodingKeys: String, CodingKey { case timeoutSeconds = "timeout_seconds", maxRetries = "max_retries" }
        public init(timeoutSeconds: Int = 0, maxRetries: Int = 0) {
            self.timeoutSeconds = timeoutSeconds
            self.maxRetries = maxRetries
        }
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            timeoutSeconds = try c.decodeIfPresent(Int.self, forKey: .timeoutSeconds) ?? 0
            maxRetries = try c.decodeIfPresent(Int.self, forKey: .maxRetries) ?? 0
        }
    }

    public struct Workflow: Sendable, Equatable, Decodable {
        public var childTimeoutSeconds: Int = 0
        public var totalTimeoutSeconds: Int = 0
        public var maxRetries: Int = 0
        enum CodingKeys: String, CodingKey {
            case childTimeoutSeconds = "child_timeout_seconds", totalTimeoutSeconds = "total_timeout_seconds"
            case maxRetries = "max_retries"
        }
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            childTimeoutSeconds = try c.decodeIfPresent(Int.self, forKey: .childTimeoutSeconds) ?? 0
            totalTimeoutSeconds = try c.decodeIfPresent(Int.self, forKey: .totalTimeoutSeconds) ?? 0
            maxRetries = try c.decodeIfPresent(Int.self, forKey: .maxRetries) ?? 0
        }
    }

    public var dispatchTimeoutSeconds = 120
    public var runningTimeoutSeconds = 1500
    public var scanIntervalSeconds = 30
    public var placementWaitSeconds = 30
    public var topics: [String: Topic] = [:]
    public var workflows: [String: Workflow] = [:]

    public init() {}

    /// The deadline (seconds from now) a job of `topic` gets when it brings none.
    public func defaultTimeout(topic: String) -> Int? {
        guard let t = topics[topic]?.timeoutSeconds, t > 0 else { return nil }
        return t
    }

    private struct File: Decodable {
        struct Reconciler: Decodable {
            var dispatch_timeout_seconds: Int?
            var running_timeout_seconds: Int?
            var scan_interval_seconds: Int?
        }
        struct Scheduler: Decodable { var placement_wait_seconds: Int? }
        var reconciler: Reconciler?
        var scheduler: Scheduler?
        var topics: [String: Topic]?
        var workflows: [String: Workflow]?
    }

    public static func parse(yaml: String, source: String = "timeouts.yaml") throws -> TimeoutConfig {
        let file: File
        do {
            file = try YAMLDecoder().decode(File.self, from: yaml)
        } catch {
            throw ConfigError.invalid(source, "\(error)")
        }
        var config = TimeoutConfig()
        // Zero or negative values keep the defaults: a zero timeout would time out every job.
        if let v = file.reconciler?.dispatch_timeout_seconds, v > 0 { config.dispatchTimeoutSeconds = v }
        if let v = file.reconciler?.running_timeout_seconds, v > 0 { config.runningTimeoutSeconds = v }
        if let v = file.reconciler?.scan_interval_seconds, v > 0 { config.scanIntervalSeconds = v }
        if let v = file.scheduler?.placement_wait_seconds, v >= 0 { config.placementWaitSeconds = v }
        config.topics = file.topics ?? [:]
        config.workflows = file.workflows ?? [:]
        return config
    }

    /// Loads the file; a missing file gives the built-in defaults, so the file is optional.
    public static func load(path: String) throws -> TimeoutConfig {
        do {
            return try parse(yaml: try ConfigFile.read(path), source: path)
        } catch ConfigError.missing {
            return TimeoutConfig()
        }
    }
}
