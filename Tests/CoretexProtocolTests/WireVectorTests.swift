import CoretexProtocol
import Foundation
import SwiftProtobuf
import Testing

/// Binary test vectors of the bus messages (docs/protocol.md, "CAP messages"): our encoding
/// must be byte-for-byte what existing workers and clients produce, and decoding must give the
/// same messages back.
@Suite struct WireVectorTests {
    static func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            out.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return out
    }

    func check<M: Message & Equatable>(_ message: M, _ hex: String) throws {
        let encoded: [UInt8] = try message.serializedBytes()
        #expect(encoded == Self.bytes(hex))
        #expect(try M(serializedBytes: Self.bytes(hex)) == message)
    }

    static var submit: Coretex_Agent_V1_BusPacket {
        var request = Coretex_Agent_V1_JobRequest()
        request.jobID = "j1"
        request.topic = "job.echo"
        request.priority = .interactive
        request.contextPtr = "redis://ctx:j1"
        request.env = ["tenant_id": "default"]
        request.budget.deadlineMs = 1000
        request.tenantID = "default"
        request.labels = ["a": "b"]
        var packet = Coretex_Agent_V1_BusPacket()
        packet.traceID = "t1"
        packet.senderID = "s"
        packet.createdAt = Google_Protobuf_Timestamp(seconds: 1_700_000_000, nanos: 5)
        packet.protocolVersion = 1
        packet.jobRequest = request
        return packet
    }

    static var result: Coretex_Agent_V1_BusPacket {
        var result = Coretex_Agent_V1_JobResult()
        result.jobID = "j1"
        result.status = .succeeded
        result.resultPtr = "redis://res:j1"
        result.workerID = "worker-echo-1"
        result.executionMs = 123
        var packet = Coretex_Agent_V1_BusPacket()
        packet.traceID = "t1"
        packet.senderID = "worker-echo-1"
        packet.protocolVersion = 1
        packet.jobResult = result
        return packet
    }

    @Test func submitPacket() throws {
        try check(
            Self.submit,
            "0a0274311201731a080880e2cfaa0610052001524c0a026a3112086a6f622e6563686f1801220e72656469733a2f2f6374783a6a3132140a0974656e616e745f6964120764656661756c74620320e8076a0764656661756c747a060a0161120162"
        )
    }

    @Test func resultPacket() throws {
        try check(
            Self.result,
            "0a027431120d776f726b65722d6563686f2d3120015a270a026a3110051a0e72656469733a2f2f7265733a6a31220d776f726b65722d6563686f2d31287b"
        )
    }

    @Test func heartbeatPacket() throws {
        var hb = Coretex_Agent_V1_Heartbeat()
        hb.workerID = "w1"
        hb.region = "local"
        hb.type = "cpu"
        hb.cpuLoad = 12.5
        hb.activeJobs = 1
        hb.capabilities = ["echo"]
        hb.pool = "echo"
        hb.maxParallelJobs = 2
        var packet = Coretex_Agent_V1_BusPacket()
        packet.traceID = "hb-w1"
        packet.senderID = "w1"
        packet.protocolVersion = 1
        packet.heartbeat = hb
        try check(packet, "0a0568622d773112027731200162250a02773112056c6f63616c1a03637075250000484130013a046563686f5a046563686f6002")
    }

    @Test func cancelPacket() throws {
        var packet = Coretex_Agent_V1_BusPacket.cancel(jobID: "j1", reason: "cancelled via api", senderID: "api-gateway")
        packet.clearCreatedAt()  // the vector has no timestamp
        try check(
            packet,
            "0a026a31120b6170692d67617465776179200152380a026a31120e7379732e6a6f622e63616e63656c32220a0d63616e63656c5f726561736f6e121163616e63656c6c65642076696120617069"
        )
    }

    @Test func policyCheckRequestAndResponse() throws {
        var request = Coretex_Agent_V1_PolicyCheckRequest()
        request.jobID = "j1"
        request.topic = "job.echo"
        request.tenant = "default"
        request.priority = .interactive
        try check(request, "0a026a3112086a6f622e6563686f1a0764656661756c742001")
        var response = Coretex_Agent_V1_PolicyCheckResponse()
        response.decision = .deny
        response.reason = "missing topic"
        try check(response, "0802120d6d697373696e6720746f706963")
    }

    /// The WebSocket stream's frames are canonical protobuf JSON of the packet.
    @Test func canonicalJSONOfTheResultPacket() throws {
        let canonical =
            #"{"traceId":"t1","senderId":"worker-echo-1","protocolVersion":1,"jobResult":{"jobId":"j1","status":"JOB_STATUS_SUCCEEDED","resultPtr":"redis://res:j1","workerId":"worker-echo-1","executionMs":"123"}}"#
        #expect(try Coretex_Agent_V1_BusPacket(jsonString: canonical) == Self.result)
        let ours = try JSONSerialization.jsonObject(with: Data(try Self.result.jsonString().utf8)) as? NSDictionary
        let theirs = try JSONSerialization.jsonObject(with: Data(canonical.utf8)) as? NSDictionary
        #expect(ours == theirs)
    }

    @Test func garbageIsAnErrorNotACrash() {
        #expect(throws: (any Error).self) { try Coretex_Agent_V1_BusPacket(serializedBytes: [0xff, 0xff, 0xff, 0xff]) }
    }

    @Test func subjectsAndTokens() {
        #expect(Subjects.worker("worker-echo-1") == "worker.worker-echo-1.jobs")
        #expect(Subjects.isValidToken("worker-echo-1"))
        #expect(!Subjects.isValidToken("a.b"))
        #expect(!Subjects.isValidToken("a b"))
        #expect(!Subjects.isValidToken(""))
    }
}
