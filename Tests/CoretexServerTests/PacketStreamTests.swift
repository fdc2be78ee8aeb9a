import CoretexInfra
import CoretexProtocol
import CoretexTestSupport
import Logging
import Synchronization
import Testing

@testable import CoretexGateway
@testable import CoretexRuntime

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
        let stream = try bus.packets("test.packets", logger: Logger(label: "test"), wanted: { _ in gate.wanted() })
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

    /// `wanted` sees each message's bytes, so a listener can keep only its own jobs' results.
    @Test func wantedSeesTheBytes() async throws {
        let servers = try TestServers()
        let bus = try await NATSBus.connect(url: servers.natsURL, logger: Logger(label: "test"))
        defer { bus.close() }
        let stream = try bus.packets(
            "test.packets", logger: Logger(label: "test"),
            wanted: { bytes in
                BusPacketPeek.jobResultID(bytes) == "mine"
            })
        try await bus.flush()
        let received = Task { () -> [String] in
            var ids: [String] = []
            for await (_, packet) in stream {
                ids.append(packet.jobResult.jobID)
                if ids.count == 2 { break }
            }
            return ids
        }
        for id in ["other", "mine", "another", "mine"] { try bus.publish("test.packets", Self.result(id)) }
        #expect(await received.value == ["mine", "mine"])
        stream.subscription.unsubscribe()
    }

    /// An observer gets every message's bytes on the bus's thread and yields nothing.
    @Test func observersSeeEveryMessage() async throws {
        let servers = try TestServers()
        let bus = try await NATSBus.connect(url: servers.natsURL, logger: Logger(label: "test"))
        defer { bus.close() }
        let seen = Mutex<[String]>([])
        let observer = try bus.observe("test.packets") { bytes in
            if let id = BusPacketPeek.jobResultID(bytes) { seen.withLock { $0.append(id) } }
        }
        try await bus.flush()
        for id in ["a", "b", "c"] { try bus.publish("test.packets", Self.result(id)) }
        try bus.publish("test.packets", [0xFF, 0x00])  // not a packet: observed, nothing peeked
        #expect(await eventually { seen.withLock { $0 } == ["a", "b", "c"] })
        observer.unsubscribe()
    }
}
