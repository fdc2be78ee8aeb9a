import CoretexInfra
import CoretexProtocol
import Logging
import Metrics

/// Decodes the packets of a subscription. Bytes that are not a BusPacket are dropped, logged
/// and counted in `coretex_bus_invalid_packets_total{subject}`; they never reach a handler.
///
/// `wanted` lets a listener that is often idle (the WebSocket tap with no client connected, an
/// orchestrator with no child under way) skip messages before paying for their decoding.
struct PacketStream: AsyncSequence, Sendable {
    typealias Element = (subject: String, packet: Coretex_Agent_V1_BusPacket)

    let subscription: BusSubscription
    let logger: Logger
    var wanted: @Sendable () -> Bool = { true }

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: BusSubscription.AsyncIterator
        let logger: Logger
        let wanted: @Sendable () -> Bool

        mutating func next() async -> Element? {
            while let message = await base.next() {
                guard wanted() else { continue }
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
        AsyncIterator(base: subscription.makeAsyncIterator(), logger: logger, wanted: wanted)
    }
}

extension NATSBus {
    /// Subscribes and decodes packets (see `PacketStream`); messages arriving while `wanted`
    /// is false are skipped undecoded.
    func packets(_ subject: String, queue: String? = nil, logger: Logger,
                 wanted: @escaping @Sendable () -> Bool = { true }) throws -> PacketStream {
        PacketStream(subscription: try subscribe(subject, queue: queue), logger: logger, wanted: wanted)
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
