import Foundation

/// Any JSON value, for payloads whose shape belongs to someone else (a job's context, a
/// worker's result) but which the API embeds and clients pretty-print.
public enum JSONValue: Sendable, Hashable, Codable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Set (to `true`) in a decoder's `userInfo` when the source is JSON text, where every
    /// scalar has exactly one type. Lenient decoders (YAML reads `30` as a string too) leave it
    /// unset and get the careful order.
    public static let fromJSON = CodingUserInfoKey(rawValue: "coretex.jsonvalue.from-json")!

    /// A JSON decoder that sets `fromJSON`.
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.userInfo[fromJSON] = true
        return decoder
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if decoder.userInfo[Self.fromJSON] as? Bool == true {
            // Each wrong guess costs a thrown error, so the common shapes go first: strings
            // (most leaves), then objects (contexts and results).
            if let s = try? c.decode(String.self) {
                self = .string(s)
            } else if let o = try? c.decode([String: JSONValue].self) {
                self = .object(o)
            } else if let n = try? c.decode(Double.self) {
                self = .number(n)
            } else if let b = try? c.decode(Bool.self) {
                self = .bool(b)
            } else {
                self = .array(try c.decode([JSONValue].self))
            }
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let n = try? c.decode(Double.self) {
            self = .number(n)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([JSONValue].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let n):
            // Integers stay integers on the way out (Double would print 3 as 3.0 on some paths).
            if n.rounded() == n, abs(n) < 1e15 { try c.encode(Int64(n)) } else { try c.encode(n) }
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    /// Parses JSON text; nil when it is not JSON.
    public static func parse(_ data: some DataProtocol) -> JSONValue? {
        try? decoder().decode(JSONValue.self, from: Data(data))
    }

    /// Any Encodable value as JSON (a typed result about to be nested in a larger document).
    public init(encoding value: some Encodable) throws {
        self = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(value))
    }

    /// This JSON read as a Decodable type (part of a document read back into its type).
    public func decode<T: Decodable>(as type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: JSONEncoder().encode(self))
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var isObject: Bool { if case .object = self { true } else { false } }
}
