import CoretexProtocol
import Foundation
import SwiftProtobuf
import Testing

/// The peek must agree with the decoder on every packet the decoder reads: listeners drop
/// or keep packets on its word.
struct BusPacketPeekTests {
    static func peek(_ bytes: [UInt8]) -> String? {
        bytes.withUnsafeBytes { BusPacketPeek.jobResultID($0) }
    }

    /// What the decoder says: the job result's id, nil for another payload; `.none` when it
    /// refuses the bytes.
    static func decoded(_ bytes: [UInt8]) -> String?? {
        guard let packet = try? Coretex_Agent_V1_BusPacket(serializedBytes: bytes) else { return .none }
        if case .jobResult(let r)? = packet.payload { return .some(r.jobID) }
        return .some(nil)
    }

    static func result(_ id: String, status: Coretex_Agent_V1_JobStatus = .succeeded) -> Coretex_Agent_V1_BusPacket {
        var r = Coretex_Agent_V1_JobResult()
        r.jobID = id
        r.status = status
        r.resultPtr = "redis://res:\(id)"
        r.workerID = "worker-echo-1"
        r.executionMs = 12
        var packet = Coretex_Agent_V1_BusPacket.result(r, traceID: "trace-\(id)", senderID: "worker")
        packet.createdAt = Google_Protobuf_Timestamp(seconds: 1_764_000_000, nanos: 5)
        packet.protocolVersion = 1
        packet.signature = Data([1, 2, 3])
        return packet
    }

    static func request(_ id: String) -> Coretex_Agent_V1_BusPacket {
        var r = Coretex_Agent_V1_JobRequest()
        r.jobID = id
        r.topic = "job.echo"
        r.labels = ["k": "v"]
        return .request(r, traceID: "t", senderID: "gateway")
    }

    static func heartbeat() -> Coretex_Agent_V1_BusPacket {
        var hb = Coretex_Agent_V1_Heartbeat()
        hb.workerID = "worker-echo-1"
        hb.pool = "echo"
        var packet = Coretex_Agent_V1_BusPacket()
        packet.heartbeat = hb
        return packet
    }

    @Test func readsTheIDOfResultsAndNothingElse() throws {
        for id in ["", "a", "0b9c6f52-4c1e-4f4e-9d59-3f0d2c7f1a10", String(repeating: "x", count: 300), "héllo ✓"] {
            #expect(Self.peek(Self.result(id).wireBytes) == id)
        }
        #expect(Self.peek(Self.request("r").wireBytes) == nil)
        #expect(Self.peek(Self.heartbeat().wireBytes) == nil)
        #expect(Self.peek([]) == nil)  // no payload
    }

    /// Concatenated packets are one packet to protobuf: messages merge, the last oneof member wins.
    @Test func followsTheMergeRules() {
        let a = Self.result("a").wireBytes, b = Self.result("b").wireBytes
        let request = Self.request("r").wireBytes, heartbeat = Self.heartbeat().wireBytes
        var withoutID = Coretex_Agent_V1_JobResult()
        withoutID.status = .failed
        let noID = Coretex_Agent_V1_BusPacket.result(withoutID, traceID: "", senderID: "").wireBytes
        // Oneof members with another wire type than their own are unknown fields: they change nothing.
        let wrongWireTypes: [UInt8] = [0x50, 0x00, 0x5A, 0x00, 0x60, 0x01, 0x6D, 0, 0, 0, 0]
        for bytes in [
            a + b, b + a, a + request, request + a, a + heartbeat + b, a + noID, noID + a, heartbeat + noID,
            a + wrongWireTypes, a + wrongWireTypes + b,
        ] {
            let expected = try? #require(Self.decoded(bytes))
            #expect(Self.peek(bytes) == expected, "\(bytes)")
        }
    }

    /// Truncations and corruptions of real packets: wherever the decoder reads the bytes, the
    /// peek says the same; wherever it answers, the decoder read a packet.
    @Test func agreesWithTheDecoderOnDamagedPackets() {
        var generator = SystemRandomNumberGenerator()
        let samples = [Self.result("0b9c6f52-4c1e-4f4e-9d59-3f0d2c7f1a10"), Self.request("r"), Self.heartbeat()].map(\.wireBytes)
        var checked = 0
        for sample in samples {
            for cut in 0...sample.count { compare(Array(sample.prefix(cut))) }
            for _ in 0..<3000 {
                var bytes = sample
                for _ in 0..<Int.random(in: 1...3, using: &generator) {
                    bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
                compare(bytes)
            }
        }
        #expect(checked > 9000)

        func compare(_ bytes: [UInt8]) {
            checked += 1
            let peeked = Self.peek(bytes)
            switch Self.decoded(bytes) {
            case .some(let id):
                // Where protobuf reads a result, the peek finds the same id (it may decline
                // only on shapes the writer never produces, such as groups).
                if let id { #expect(peeked == id || peeked == nil, "\(bytes)") } else { #expect(peeked == nil, "\(bytes)") }
            case .none:
                break  // the decoder refuses them: listeners that keep a packet decode it and drop it
            }
        }
    }
}
