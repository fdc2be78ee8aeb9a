import Foundation

/// RFC 3339 timestamps for workflow documents, whatever date strategy the caller's
/// `JSONEncoder` uses.
///
/// The documents are read by existing clients that expect Go's `time.Time` format (RFC 3339
/// with fractions), so the format is part of the wire shape and must not depend on how a
/// store happens to configure its encoder.
enum WorkflowTimestamp {
    private static let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    private static let wholeSeconds = Date.ISO8601FormatStyle()

    /// Whole seconds print without a fraction, as Go's RFC3339Nano does; otherwise milliseconds.
    static func format(_ date: Date) -> String {
        let t = date.timeIntervalSince1970
        return t.rounded(.down) == t ? wholeSeconds.format(date) : style.format(date)
    }

    /// Go writes its zero time (`0001-01-01T00:00:00Z`) for "never"; that reads as nil.
    static func parse(_ text: String) -> Date? {
        guard !text.isEmpty, !text.hasPrefix("0001-01-01"), let date = try? style.parse(text) else { return nil }
        return date
    }
}

extension KeyedEncodingContainer {
    /// Writes the timestamp, or `null` when absent (for fields that are always present).
    mutating func encodeTimestamp(_ date: Date?, forKey key: Key) throws {
        if let date { try encode(WorkflowTimestamp.format(date), forKey: key) } else { try encodeNil(forKey: key) }
    }

    /// Writes the timestamp only when present (`omitempty`).
    mutating func encodeTimestampIfPresent(_ date: Date?, forKey key: Key) throws {
        if let date { try encode(WorkflowTimestamp.format(date), forKey: key) }
    }
}

extension KeyedDecodingContainer {
    func decodeTimestamp(forKey key: Key) throws -> Date? {
        guard let text = try decodeIfPresent(String.self, forKey: key) else { return nil }
        if text.isEmpty || text.hasPrefix("0001-01-01") { return nil }
        guard let date = WorkflowTimestamp.parse(text) else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self, debugDescription: "not an RFC 3339 timestamp: \(text)")
        }
        return date
    }
}
