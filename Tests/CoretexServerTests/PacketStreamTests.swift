import CoretexInfra
import CoretexProtocol
import CoretexTestSupport
import Logging
import Synchronization
import Testing

@testable import CoretexServer

/// Packet streams on a real nats-server: an idle listener skips messages undecoded.
@Suite(.serialized) struct PacketStreamTests {
    /// Counts how often the stream asked, and answers what the test says.
    final class Gate: Sendable {
        let open = Atomic<Bool>(false)
        let asked = Atomic<Int>(0)
        func wanted() -> Bool {
            asked.add(1, ordering: .relaxed)
            return open.load(ordering: .relaxed)
        }
    }

    static func result(_ id: String) -> [UInt8] {
        var r = Coretex_Agent_V1_JobResult()
        r.jobID = id
        return Coretex_Agent_V1_BusPacket.result(r, traceID: id, senderID: "test").wireBytes
    }

    @Test func messagesArrivingWhileUnwantedAreSkipped() async throws {
        let servers = try TestServers()
        let bus = try await NATSBus.connect(url: servers.natsURL, logger: Logger(label: "test"))
        defer { bus.close() }
        let gate = Gate()
        let stream = try bus.packets("test.packets", logger: Logger(label: "test"), wanted: { gate.wanted() })
        try await bus.flush()
        let next = Task { () -> String? in
            for await (_, packet) in stream { return packet.jobResult.jobID }
            return nil
        }

        try bus.publish("test.packets", Self.result("skipped"))
        #expect(await eventually { gate.asked.load(ordering: .relaxed) == 1 })
        gate.open.store(true, ordering: .relaxed)
        try bus.publish("test.packets", Self.result("delivered"))
        #expect(await next.value == "delivered")
        stream.subscription.unsubscribe()
    }
}
