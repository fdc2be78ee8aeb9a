import Foundation

/// The `error` object of a run or step: `{"message": …}`, plus the failing step's id on a
/// run, so a failed run says which step failed it.
public struct WorkflowError: Codable, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var stepID: String?

    public init(_ message: String, stepID: String? = nil) {
        self.message = message
        self.stepID = stepID
    }

    public var description: String { message }

    enum CodingKeys: String, CodingKey { case message, stepID = "step_id" }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        message = try c.decodeIfPresent(String.self, forKey: .message) ?? ""
        stepID = try c.decodeIfPresent(String.self, forKey: .stepID)
    }
}

/// What was decided at an approval gate, kept on the step so the run records who decided
/// and why.
public struct ApprovalRecord: Codable, Sendable, Equatable {
    public var approved: Bool
    public var by: String?
    public var reason: String?
    public var decidedAt: Date?

    public init(approved: Bool, by: String? = nil, reason: String? = nil, decidedAt: Date? = nil) {
        self.approved = approved
        self.by = by
        self.reason = reason
        self.decidedAt = decidedAt
    }

    enum CodingKeys: String, CodingKey { case approved, by, reason, decidedAt = "decided_at" }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        approved = try c.decodeIfPresent(Bool.self, forKey: .approved) ?? false
        by = try c.decodeIfPresent(String.self, forKey: .by)
        reason = try c.decodeIfPresent(String.self, forKey: .reason)
        decidedAt = try c.decodeTimestamp(forKey: .decidedAt)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(approved, forKey: .approved)
        try c.encodeIfPresent(by, forKey: .by)
        try c.encodeIfPresent(reason, forKey: .reason)
        try c.encodeTimestampIfPresent(decidedAt, forKey: .decidedAt)
    }
}
