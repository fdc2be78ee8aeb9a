import Yams

/// `config/pools.yaml`: which pool serves which topic.
///
/// ```yaml
/// topics:
///   job.echo: echo
/// ```
public struct PoolRouting: Sendable, Equatable {
    public let topics: [String: String]

    public init(topics: [String: String]) { self.topics = topics }

    public func pool(for topic: String) -> String? { topics[topic] }

    /// The topics a pool serves, sorted (for messages and listings).
    public func topics(of pool: String) -> [String] {
        topics.filter { $0.value == pool }.map(\.key).sorted()
    }

    private struct File: Decodable { var topics: [String: String]? }

    /// Parses the file; an empty mapping or an empty topic or pool name is an error, because a
    /// scheduler with no routes would fail every job.
    public static func parse(yaml: String, source: String = "pools.yaml") throws -> PoolRouting {
        let file: File
        do {
            file = try YAMLDecoder().decode(File.self, from: yaml)
        } catch {
            throw ConfigError.invalid(source, "\(error)")
        }
        guard let topics = file.topics, !topics.isEmpty else {
            throw ConfigError.invalid(source, "no topics configured (expected a `topics:` mapping)")
        }
        for (topic, pool) in topics where topic.isEmpty || pool.isEmpty {
            throw ConfigError.invalid(source, "empty topic or pool name in `topics`")
        }
        return PoolRouting(topics: topics)
    }

    public static func load(path: String) throws -> PoolRouting {
        try parse(yaml: try ConfigFile.read(path), source: path)
    }
}
