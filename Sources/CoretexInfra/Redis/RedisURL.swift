import Foundation

/// Where Redis is: `redis://[user:password@]host[:port][/db]` (the form of `REDIS_URL`).
public struct RedisURL: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var password: String?
    public var username: String?
    public var database: Int

    public init(
        host: String = "127.0.0.1", port: Int = 6379, password: String? = nil, username: String? = nil,
        database: Int = 0
    ) {
        self.host = host
        self.port = port
        self.password = password
        self.username = username
        self.database = database
    }

    public init(parsing text: String) throws {
        guard let c = URLComponents(string: text), c.scheme == "redis" || c.scheme == "rediss",
            let host = c.host, !host.isEmpty
        else { throw RedisError.connection("invalid REDIS_URL \(text) (expected redis://host:port/db)") }
        if c.scheme == "rediss" { throw RedisError.connection("rediss:// (TLS) is not supported by this build") }
        self.host = host == "localhost" ? "127.0.0.1" : host
        self.port = c.port ?? 6379
        self.password = c.password.flatMap { $0.isEmpty ? nil : $0 }
        self.username = c.user.flatMap { $0.isEmpty ? nil : $0 }
        let path = c.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        self.database = path.isEmpty ? 0 : (Int(path) ?? 0)
    }

    /// For logs: never shows the password.
    public var display: String { "redis://\(host):\(port)/\(database)" }
}
