import CoretexInfra
import CoretexProtocol
import Logging
import Metrics

/// Decodes the packets of a subscription. Bytes that are not a BusPacket are dropped, logged
/// and counted in `coretex_bus_invalid_packets_total{subject}`; they never reach a handler.
package struct PacketStream: AsyncSequence, Sendable {
    package typealias Element = (subject: String, packet: Coretex_Agent_V1_BusPacket)

    package let subscription: BusSubscription
    let logger: Logger

    package struct AsyncIterator: AsyncIteratorProtocol {
        var base: BusSubscription.AsyncIterator
        let logger: Logger

        package mutating func next() async -> Element? {
            while let message = await base.next() {
                if let packet = PacketStream.decoded(message, logger: logger) { return (message.subject, packet) }
            }
            return nil
        }
    }

    /// The packet in `message`; nil (logged, counted, and its delivery terminated: no
    /// redelivery fixes it) when the bytes are not a BusPacket.
    static func decoded(_ message: BusMessage, logger: Logger) -> Coretex_Agent_V1_BusPacket? {
        if let packet = try? Coretex_Agent_V1_BusPacket(serializedBytes: message.data) { return packet }
        message.delivery?.term()
        dropped(subject: message.subject, bytes: message.data.count, logger: logger)
        return nil
    }

    /// Logs and counts bytes on `subject` that are not a BusPacket.
    static func dropped(subject: String, bytes: Int, logger: Logger) {
        Counter(label: "coretex_bus_invalid_packets_total", dimensions: [("subject", subject)]).increment()
        logger.warning("dropped a message that is not a BusPacket", metadata: ["subject": "\(subject)", "bytes": "\(bytes)"])
    }

    package func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: subscription.makeAsyncIterator(), logger: logger)
    }
}

/// The packets of a durable consumer (`MessageBus.consume`), each with its delivery to settle
/// (nil on a bus without durable delivery). Bytes that are not a BusPacket are dropped, logged
/// and counted as in `PacketStream`, and their delivery is terminated: no redelivery fixes them.
package struct DeliveredPackets: AsyncSequence, Sendable {
    package typealias Element = (packet: Coretex_Agent_V1_BusPacket, delivery: BusDelivery?)

    package let subscription: BusSubscription
    let logger: Logger

    package struct AsyncIterator: AsyncIteratorProtocol {
        var base: BusSubscription.AsyncIterator
        let logger: Logger

        package mutating func next() async -> Element? {
            while let message = await base.next() {
                if let packet = PacketStream.decoded(message, logger: logger) { return (packet, message.delivery) }
            }
            return nil
        }
    }

    package func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: subscription.makeAsyncIterator(), logger: logger)
    }
}

extension MessageBus {
    /// Binds to a durable consumer and decodes its packets (see `DeliveredPackets`).
    package func deliveredPackets(_ consumer: DurableConsumer, logger: Logger) throws -> DeliveredPackets {
        DeliveredPackets(subscription: try consume(consumer), logger: logger)
    }

    /// Subscribes and decodes packets (see `PacketStream`). `wanted` lets a listener that is
    /// often idle (the WebSocket tap with no client connected, an orchestrator with no child
    /// under way), or wants few of the packets (see `BusPacketPeek`), drop messages as they
    /// arrive, before they are copied, decoded or handed to a task: it is asked with the bytes
    /// on nats.c's delivery thread, so it must be quick.
    package func packets(
        _ subject: String, queue: String? = nil, logger: Logger,
        wanted: (@Sendable (UnsafeRawBufferPointer) -> Bool)? = nil
    ) throws -> PacketStream {
        PacketStream(subscription: try subscribe(subject, queue: queue, accept: wanted), logger: logger)
    }

    /// Hands each packet on `subject` to `handler` on nats.c's delivery thread (see
    /// `observe`): for bookkeeping that must not wait behind a task. Bytes that are not a
    /// BusPacket are dropped, logged and counted as in `PacketStream`.
    package func observePackets(
        _ subject: String, logger: Logger,
        handler: @escaping @Sendable (Coretex_Agent_V1_BusPacket) -> Void
    ) throws -> BusSubscription {
        try observe(subject) { bytes in
            guard let packet = try? Coretex_Agent_V1_BusPacket(serializedBytes: Array(bytes)) else {
                PacketStream.dropped(subject: subject, bytes: bytes.count, logger: logger)
                return
            }
            handler(packet)
        }
    }

    /// Publishes a packet; failures are logged (the bus buffers while reconnecting, so a
    /// failure means the connection is closed for good).
    package func publish(_ subject: String, _ packet: Coretex_Agent_V1_BusPacket, logger: Logger) {
        do {
            try publish(subject, packet.wireBytes)
        } catch {
            logger.error("publish failed", metadata: ["subject": "\(subject)", "error": "\(error)"])
        }
    }
}
