import Foundation

/// A step's `retry` object (docs/workflows.md, "Retries"): how many more attempts a failed
/// job gets, and how long to wait before each.
public struct RetryPolicy: Codable, Sendable, Equatable {
    public var maxRetries: Int
    public var initialBackoffSec: Double
    public var maxBackoffSec: Double
    public var multiplier: Double

    /// The longest wait between attempts when `max_backoff_sec` is not set, so a large
    /// `max_retries` cannot push the next attempt to the far future (or overflow).
    public static let backoffCeiling: Double = 86_400

    public init(maxRetries: Int = 0, initialBackoffSec: Double = 0, maxBackoffSec: Double = 0, multiplier: Double = 0) {
        self.maxRetries = maxRetries
        self.initialBackoffSec = initialBackoffSec
        self.maxBackoffSec = maxBackoffSec
        self.multiplier = multiplier
    }

    /// Whether a job that failed on attempt `attempts` (1-based) gets another attempt:
    /// `max_retries = N` allows N + 1 attempts in total.
    public func allowsRetry(afterAttempt attempts: Int) -> Bool {
        maxRetries > 0 && attempts <= maxRetries
    }

    /// Seconds to wait after attempt `attempts` failed: `initial × multiplier^(attempts-1)`,
    /// capped by `max_backoff_sec`.
    ///
    /// A multiplier of 1 means a constant backoff; only 0, i.e. unset, defaults to 2. Fractions
    /// of a second are kept, not truncated.
    public func delay(afterAttempt attempts: Int) -> Double {
        let initial = initialBackoffSec > 0 ? initialBackoffSec : 1
        let factor = multiplier >= 1 ? multiplier : 2
        let raw = initial * pow(factor, Double(max(attempts - 1, 0)))
        let cap = maxBackoffSec > 0 ? maxBackoffSec : Self.backoffCeiling
        return min(raw, cap)
    }

    enum CodingKeys: String, CodingKey {
        case maxRetries = "max_retries", initialBackoffSec = "initial_backoff_sec"
        case maxBackoffSec = "max_backoff_sec", multiplier
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        maxRetries = try c.decodeIfPresent(Int.self, forKey: .maxRetries) ?? 0
        initialBackoffSec = try c.decodeIfPresent(Double.self, forKey: .initialBackoffSec) ?? 0
        maxBackoffSec = try c.decodeIfPresent(Double.self, forKey: .maxBackoffSec) ?? 0
        multiplier = try c.decodeIfPresent(Double.self, forKey: .multiplier) ?? 0
    }

    /// Every field is omitted when zero: zero means unset, and decoding reads a missing field as 0.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        if maxRetries != 0 { try c.encode(maxRetries, forKey: .maxRetries) }
        if initialBackoffSec != 0 { try c.encode(initialBackoffSec, forKey: .initialBackoffSec) }
        if maxBackoffSec != 0 { try c.encode(maxBackoffSec, forKey: .maxBackoffSec) }
        if multiplier != 0 { try c.encode(multiplier, forKey: .multiplier) }
    }
}
