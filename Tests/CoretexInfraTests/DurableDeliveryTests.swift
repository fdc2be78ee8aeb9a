import CoretexInfra
import CoretexProtocol
import CoretexTestSupport
import Foundation
import Logging
import Testing

/// Durable delivery on a real nats-server with JetStream (docs/durability.md): what is
/// published while nobody consumes waits in its stream, a message comes again until it is
/// acknowledged, and a repeated message id is stored once.
@Suite(.serialized) struct DurableDeliveryTests {
    let logger = Logger(label: "test")

    func durableBus(_ servers: TestServers) async throws -> NATSBus {
        try await NATSBus.connect(url: servers.natsURL, logger: logger, durability: .init())
    }

    /// A consumer of its own, on the submissions subject, so the test settles every message.
    static let consumer = {
        var consumer = DurableConsumer.submissions
        consumer.name = "test-submit"
        consumer.queue = "test"
        consumer.ackWait = .seconds(30)
        return consumer
    }()

    @Test func aMessagePublishedBeforeAnyoneConsumesIsDeliveredAndAcknowledgedOnce() async throws {
        let servers = try TestServers()
        let bus = try await durableBus(servers)
        defer { bus.close() }
        #expect(bus.isDurable)
        // Published twice with one id, before the consumer exists: stored once.
        try await bus.publishDurably(Subjects.submit, Array("first".utf8), messageID: "job-1")
        try await bus.publishDurably(Subjects.submit, Array("first".utf8), messageID: "job-1")
        try await bus.publishDurably(Subjects.submit, Array("second".utf8), messageID: "job-2")
        let sub = try bus.consume(Self.consumer)
        var messages = sub.makeAsyncIterator()
        let first = try #require(await messages.next())
        #expect(String(decoding: first.data, as: UTF8.self) == "first")
        #expect(first.delivery?.number == 1)
        first.delivery?.ack()
        // Given back: it comes again, as its second delivery, after the delay.
        let second = try #require(await messages.next())
        #expect(String(decoding: second.data, as: UTF8.self) == "second")
        second.delivery?.nak(delay: .milliseconds(100))
        let again = try #require(await messages.next())
        #expect(String(decoding: again.data, as: UTF8.self) == "second")
        #expect(again.delivery?.number == 2)
        again.delivery?.ack()
        sub.unsubscribe()
        // Both acknowledged: a new binding gets nothing old, only what comes next.
        let later = try bus.consume(Self.consumer)
        try await bus.publishDurably(Subjects.submit, Array("third".utf8), messageID: "job-3")
        var next = later.makeAsyncIterator()
        let third = try #require(await next.next())
        #expect(String(decoding: third.data, as: UTF8.self) == "third")
        third.delivery?.ack()
    }

    /// What nobody acknowledged survives a restart of nats-server (file storage).
    @Test func anUnacknowledgedMessageSurvivesAServerRestart() async throws {
        let servers = try TestServers()
        let bus = try await durableBus(servers)
        defer { bus.close() }
        try await bus.publishDurably(Subjects.submit, Array("kept".utf8), messageID: "job-k")
        servers.stopNATS()
        try servers.startNATS()
        #expect(await eventually(timeout: .seconds(15)) { bus.isConnected })
        var bound: BusSubscription?
        _ = await eventually(timeout: .seconds(15)) {
            bound = try? bus.consume(Self.consumer)  // JetStream may still be starting
            return bound != nil
        }
        let sub = try #require(bound)
        var messages = sub.makeAsyncIterator()
        let kept = try #require(await messages.next())
        #expect(String(decoding: kept.data, as: UTF8.self) == "kept")
        kept.delivery?.ack()
    }

    /// A server without JetStream is an error that says what to do, not an endless retry.
    @Test func aServerWithoutJetStreamIsAClearError() async throws {
        let port = LocalServers.freePort()
        let dir = NSTemporaryDirectory() + "coretex-nojs-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let server = try ManagedProcess(
            name: "nats-server", executable: "nats-server", arguments: ["-a", "127.0.0.1", "-p", String(port)],
            logFile: "\(dir)/nats.log")
        defer { server.stop() }
        try LocalServers.waitForPort(port, name: "nats-server", process: server)
        await #expect {
            try await NATSBus.connect(url: "nats://127.0.0.1:\(port)", logger: logger, durability: .init())
        } throws: { error in
            "\(error)".contains("JetStream is not enabled")
        }
    }
}
