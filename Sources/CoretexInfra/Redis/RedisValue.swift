/// A reply from Redis.
public enum RedisValue: Sendable, Equatable {
    case null
    case string([UInt8])
    case status(String)
    case integer(Int)
    case array([RedisValue])
    case error(String)

    /// The reply as text (bulk strings and status replies), nil otherwise.
    public var text: String? {
        switch self {
        case .string(let bytes): String(decoding: bytes, as: UTF8.self)
        case .status(let s): s
        case .integer(let i): String(i)
        default: nil
        }
    }

    public var bytes: [UInt8]? {
        if case .string(let b) = self { return b }
        return text.map { Array($0.utf8) }
    }

    public var int: Int? {
        switch self {
        case .integer(let i): i
        case .string, .status: text.flatMap { Int($0) }
        default: nil
        }
    }

    public var array: [RedisValue] {
        if case .array(let items) = self { return items }
        return []
    }

    public var isNull: Bool { self == .null }
}

/// A failed Redis call: the server answered with an error, or the connection is down.
public enum RedisError: Error, CustomStringConvertible, Sendable, Equatable {
    case server(String)
    case connection(String)

    public var description: String {
        switch self {
        case .server(let text): "redis: \(text)"
        case .connection(let text): "redis connection: \(text)"
        }
    }
}
