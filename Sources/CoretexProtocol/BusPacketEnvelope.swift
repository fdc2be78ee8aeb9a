import Foundation
import SwiftProtobuf

extension Coretex_Agent_V1_BusPacket {
    /// A packet with the envelope every sender fills: trace, sender, now, protocol version 1.
    public init(traceID: String, senderID: String, createdAt: Date = Date()) {
        self.init()
        self.traceID = traceID
        self.senderID = senderID
        self.createdAt = Google_Protobuf_Timestamp(date: createdAt)
        self.protocolVersion = 1
    }

    public static func request(_ request: Coretex_Agent_V1_JobRequest, traceID: String, senderID: String) -> Self {
        var packet = Self(traceID: traceID, senderID: senderID)
        packet.jobRequest = request
        return packet
    }

    public static func result(_ result: Coretex_Agent_V1_JobResult, traceID: String, senderID: String) -> Self {
        var packet = Self(traceID: traceID, senderID: senderID)
        packet.jobResult = result
        return packet
    }

    /// The cancel message of the contract: a JobRequest with topic `sys.job.cancel`.
    public static func cancel(jobID: String, reason: String, senderID: String) -> Self {
        var request = Coretex_Agent_V1_JobRequest()
        request.jobID = jobID
        request.topic = Subjects.cancel
        request.env = ["cancel_reason": reason]
        return .request(request, traceID: jobID, senderID: senderID)
    }

    /// The binary encoding that goes on the bus.
    public var wireBytes: [UInt8] { (try? serializedBytes()) ?? [] }
}
