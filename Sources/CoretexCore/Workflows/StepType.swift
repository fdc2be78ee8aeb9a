/// A step's `type` (docs/workflows.md, "Step types").
///
/// An open set rather than an enum: definitions are stored as they were sent, and a
/// document with a type this build does not know must still load (it is reported by
/// validation instead). Only `approval` changes behaviour; every other type, and an empty
/// one, is dispatched as a job.
public struct StepType: RawRepresentable, Hashable, Codable, Sendable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }

    public var description: String { rawValue }

    public static let llm = StepType("llm")
    public static let worker = StepType("worker")
    public static let http = StepType("http")
    public static let container = StepType("container")
    public static let script = StepType("script")
    public static let approval = StepType("approval")
    public static let input = StepType("input")
    public static let condition = StepType("condition")
    public static let `switch` = StepType("switch")
    public static let parallel = StepType("parallel")
    public static let loop = StepType("loop")
    public static let delay = StepType("delay")
    public static let notify = StepType("notify")
    public static let transform = StepType("transform")
    public static let storage = StepType("storage")
    public static let subworkflow = StepType("subworkflow")

    /// The contract's list, in its order.
    public static let known: [StepType] = [
        .llm, .worker, .http, .container, .script, .approval, .input, .condition, .switch,
        .parallel, .loop, .delay, .notify, .transform, .storage, .subworkflow,
    ]

    /// Known, or empty (an omitted type means a plain job).
    public var isKnown: Bool { rawValue.isEmpty || Self.known.contains(self) }

    /// Approval steps wait for a person; everything else is a job.
    public var isApproval: Bool { self == .approval }
}
