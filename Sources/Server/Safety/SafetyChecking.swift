import CoretexCore
import CoretexProtocol

/// Anything that answers the safety kernel's `Check`: the kernel itself when co-located,
/// or a gRPC client of a remote one.
public protocol SafetyChecking: Sendable {
    /// The kernel's decision; throws when no decision can be had (a remote kernel that does
    /// not answer): that is no verdict, so the scheduler holds the job and asks again.
    func check(_ request: Coretex_Agent_V1_PolicyCheckRequest) async throws(SafetyUnavailable)
        -> Coretex_Agent_V1_PolicyCheckResponse

    /// Waits (at most `timeout`) until checks can be answered; false if they cannot yet.
    /// The scheduler waits here before taking jobs, so a kernel that starts a moment after
    /// it does not deny the first jobs.
    func waitUntilReady(timeout: Duration) async -> Bool
}

/// The safety kernel could not be asked (down, slow, or its circuit open).
public struct SafetyUnavailable: Error, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

extension SafetyChecking {
    public func waitUntilReady(timeout: Duration) async -> Bool { true }
}

/// The kernel's decision procedure over a loaded policy (nil: no policy file, fixed checks only).
public struct SafetyKernel: SafetyChecking {
    public let policy: SafetyPolicy?

    public init(policy: SafetyPolicy?) { self.policy = policy }

    public func check(_ request: Coretex_Agent_V1_PolicyCheckRequest) async -> Coretex_Agent_V1_PolicyCheckResponse {
        let config = request.effectiveConfig.isEmpty ? nil : String(decoding: request.effectiveConfig, as: UTF8.self)
        var response = Coretex_Agent_V1_PolicyCheckResponse()
        switch SafetyPolicy.check(policy: policy, topic: request.topic, tenant: request.tenant, effectiveConfig: config) {
        case .allow:
            response.decision = .allow
        case .deny(let reason):
            response.decision = .deny
            response.reason = reason
        }
        return response
    }
}

/// The scheduler's reading of a kernel answer.
package struct SafetyVerdict: Equatable {
    /// `ALLOW`, `DENY`, `REQUIRE_HUMAN`, `THROTTLE` or `UNKNOWN`, as stored in job meta;
    /// `UNAVAILABLE` when the kernel could not be asked (not a decision: the job waits).
    package var decision: String
    package var reason: String
    package var allowed: Bool { decision == "ALLOW" }
    package var unavailable: Bool { decision == "UNAVAILABLE" }

    package static func unavailable(_ failure: SafetyUnavailable) -> SafetyVerdict {
        SafetyVerdict(decision: "UNAVAILABLE", reason: failure.reason)
    }

    init(decision: String, reason: String) {
        self.decision = decision
        self.reason = reason
    }

    package init(_ response: Coretex_Agent_V1_PolicyCheckResponse) {
        switch response.decision {
        case .allow: self.init(decision: "ALLOW", reason: "")
        case .deny: self.init(decision: "DENY", reason: response.reason)
        case .requireHuman: self.init(decision: "REQUIRE_HUMAN", reason: response.reason)
        case .throttle: self.init(decision: "THROTTLE", reason: response.reason)
        default: self.init(decision: "UNKNOWN", reason: "unsupported decision")
        }
    }
}
