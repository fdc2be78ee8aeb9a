import CoretexInfra
import CoretexProtocol
import Logging
import Metrics

/// Decodes the packets of a subscription. Bytes that are not a BusPacket are dropped, logged
/// and counted in `coretex_bus_invalid_packets_total{subject}`; they never reach a handler.
struct PacketStream: AsyncSequence, Sendable {
    typealias Element = (subject: String, packet: Coretex_Agent_V1_BusPacket)

    let subscription: BusSubscription
    let logger: Logger

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: BusSubscription.AsyncIterator
        let logger: Logger

        mutating func next() async -> Element? {
            while let message = await base.next() {
                if let packet = try? Coretex_Agent_V1_BusPacket(serializedBytes: message.data) {
                    return (message.subject, packet)
                }
                Counter(label: "coretex_bus_invalid_packets_total", dimensions: [("subject", message.subject)])
                    .increment()
                logger.warning("dropped a message that is not a BusPacket",
                               metadata: ["subject": "\(message.subject)", "bytes": "\(message.data.count)"])
            }
            return nil
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: subscription.makeAsyncIterator(), logger: logger)
    }
}

extension NATSBus {
    /// Subscribes and decodes packets (see `PacketStream`). `wanted` lets a listener that is
    /// often idle (the WebSocket tap with no client connected, an orchestrator with no child
    /// under way), or wants few of the packets (see `BusPacketPeek`), drop messages as they
    /// arrive, before they are copied, decoded or handed to a task: it is asked with the bytes
    /// on nats.c's delivery thread, so it must be quick.
    func packets(_ subject: String, queue: String? = nil, logger: Logger,
                 wanted: (@Sendable (UnsafeRawBufferPointer) -> Bool)? = nil) throws -> PacketStream {
        PacketStream(subscription: try subscribe(subject, queue: queue, accept: wanted), logger: logger)
    }

    /// Publishes a packet; failures are logged (the bus buffers while reconnecting, so a
    /// failure means the connection is closed for good).
    func publish(_ subject: String, _ packet: Coretex_Agent_V1_BusPacket, logger: Logger) {
        do {
            try publish(subject, packet.wireBytes)
        } catch {
            logger.error("publish failed", metadata: ["subject": "\(subject)", "error": "\(error)"])
        }
    }
}
