import CoretexInfra
import CoretexTestSupport
import Foundation
import Logging
import Synchronization
import Testing

@Suite(.serialized) struct NATSBusTests {
    let logger = Logger(label: "test")

    @Test func publishAndSubscribe() async throws {
        let servers = try TestServers()
        let bus = try await NATSBus.connect(url: servers.natsURL, logger: logger)
        defer { bus.close() }
        let sub = try bus.subscribe("test.subject")
        try await bus.flush()
        try bus.publish("test.subject", Array("hello".utf8))
        var iterator = sub.makeAsyncIterator()
        let message = await iterator.next()
        #expect(message?.subject == "test.subject")
        #expect(message.map { String(decoding: $0.data, as: UTF8.self) } == "hello")
        #expect(bus.status == "CONNECTED")
    }

    @Test func aQueueGroupDeliversEachMessageOnce() async throws {
        let servers = try TestServers()
        let bus = try await NATSBus.connect(url: servers.natsURL, logger: logger)
        defer { bus.close() }
        let members = try (0..<3).map { _ in try bus.subscribe("work", queue: "workers") }
        try await bus.flush()
        for i in 0..<300 { try bus.publish("work", Array("\(i)".utf8)) }
        try await bus.flush()
        let received = Collected()
        await withTaskGroup(of: Void.self) { group in
            for member in members {
                group.addTask {
                    for await m in member {
                        received.append(String(decoding: m.data, as: UTF8.self))
                    }
                }
            }
            _ = await eventually { received.values.count >= 300 }
            members.forEach { $0.unsubscribe() }
        }
        let all = received.values
        #expect(all.count == 300)
        #expect(Set(all).count == 300)
    }

    @Test func requestReply() async throws {
        let servers = try TestServers()
        let bus = try await NATSBus.connect(url: servers.natsURL, logger: logger)
        defer { bus.close() }
        let service = try bus.subscribe("svc.echo")
        try await bus.flush()
        let responder = Task {
            for await m in service {
                if let reply = m.reply { try? bus.publish(reply, Array("re: ".utf8) + m.data) }
            }
        }
        defer { responder.cancel(); service.unsubscribe() }
        let reply = try await bus.request("svc.echo", Array("ping".utf8))
        #expect(String(decoding: reply.data, as: UTF8.self) == "re: ping")
    }

    @Test func resubscribesAfterTheServerRestarts() async throws {
        let servers = try TestServers()
        let bus = try await NATSBus.connect(url: servers.natsURL, logger: logger)
        defer { bus.close() }
        let sub = try bus.subscribe("after.restart")
        try await bus.flush()
        servers.stopNATS()
        #expect(await eventually { bus.status != "CONNECTED" })
        try servers.startNATS()
        #expect(await eventually(timeout: .seconds(15)) { bus.status == "CONNECTED" })
        try bus.publish("after.restart", Array("back".utf8))
        var iterator = sub.makeAsyncIterator()
        #expect(await iterator.next().map { String(decoding: $0.data, as: UTF8.self) } == "back")
    }

    @Test func connectWaitsForALateServer() async throws {
        let port = LocalServers.freePort()
        let dir = NSTemporaryDirectory() + "coretex-late-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let connecting = Task {
            try await NATSBus.connect(url: "nats://127.0.0.1:\(port)", logger: logger, retryInterval: .milliseconds(100))
        }
        try await Task.sleep(for: .milliseconds(300))  // the server is deliberately late
        let server = try LocalServers.startNATS(port: port, directory: dir)
        defer { server.stop() }
        let bus = try await connecting.value
        #expect(bus.isConnected)
        bus.close()
    }

    @Test func credentialsAreRedacted() {
        #expect(NATSBus.redact("nats://user:pw@host:4222") == "nats://host:4222")
        #expect(NATSBus.redact("nats://host:4222") == "nats://host:4222")
    }
}

/// Messages collected from several tasks.
final class Collected: Sendable {
    private let storage = Mutex<[String]>([])
    func append(_ value: String) { storage.withLock { $0.append(value) } }
    var values: [String] { storage.withLock { $0 } }
}
