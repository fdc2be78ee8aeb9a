import CNATS
import Synchronization

/// A message from a durable consumer, to be settled once: acknowledged when its effect is
/// recorded, or given back for a later delivery. Until then the holder keeps it alive with
/// `inProgress()` (see `keepAlive`, which every message of a durable consumer gets as it
/// arrives), or the server delivers it again after the consumer's
/// ack wait. Settling twice does nothing.
public final class BusDelivery: @unchecked Sendable {
    // @unchecked: `message` is owned here, used under `settled`'s lock, destroyed in deinit.
    private let message: OpaquePointer?
    private let settled = Mutex(false)
    /// Which delivery of the message this is (1 for the first).
    public let number: Int
    /// What the settlements did, for an in-memory bus's tests.
    private let record: (@Sendable (String) -> Void)?

    init(jetStream message: OpaquePointer) {
        self.message = message
        var meta: UnsafeMutablePointer<jsMsgMetaData>?
        if natsMsg_GetMetaData(&meta, message) == NATS_OK, let meta {
            number = Int(meta.pointee.NumDelivered)
            jsMsgMetaData_Destroy(meta)
        } else {
            number = 1
        }
        record = nil
    }

    /// A delivery that only reports how it was settled ("ack", "nak", "term", "progress").
    public init(number: Int = 1, record: @escaping @Sendable (String) -> Void) {
        self.message = nil
        self.number = number
        self.record = record
    }

    deinit {
        Self.keeper.release(self)
        if let message { natsMsg_Destroy(message) }
    }

    public func ack() { settle("ack") { natsMsg_Ack($0, nil) } }

    /// Delivers the message again after `delay`.
    public func nak(delay: Duration) {
        let ms = Int64(delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000)
        settle("nak") { natsMsg_NakWithDelay($0, ms, nil) }
    }

    /// Never delivers the message again.
    public func term() { settle("term") { natsMsg_Term($0, nil) } }

    /// Restarts the ack wait.
    public func inProgress() {
        settled.withLock { done in
            guard !done else { return }
            if let message { _ = natsMsg_InProgress(message, nil) } else { record?("progress") }
        }
    }

    private func settle(_ name: String, _ call: (OpaquePointer) -> natsStatus) {
        stopKeepingAlive()
        settled.withLock { done in
            guard !done else { return }
            done = true
            if let message { _ = call(message) } else { record?(name) }
        }
    }

    /// Tells the server every `Keeper.interval` that the message is still in hand, until it is
    /// settled. One task does this for every held message of the process: a timer per message
    /// would cost more than the message.
    public func keepAlive() { Self.keeper.hold(self) }

    private func stopKeepingAlive() { Self.keeper.release(self) }

    private static let keeper = Keeper()

    /// The held deliveries, and the one task that keeps them alive. Ack waits must be longer
    /// than twice `interval` (every consumer's is 10 s). It holds them weakly: a message nobody
    /// holds any more (dropped with its subscription) is released, not kept alive.
    final class Keeper: Sendable {
        static let interval = Duration.seconds(3)
        struct Held: @unchecked Sendable {
            // @unchecked: a weak reference to a Sendable class, read under the keeper's lock.
            weak var delivery: BusDelivery?
            let since: ContinuousClock.Instant
        }
        private let held = Mutex<(deliveries: [ObjectIdentifier: Held], running: Bool)>(([:], false))

        func hold(_ delivery: BusDelivery) {
            let start = held.withLock { h in
                h.deliveries[ObjectIdentifier(delivery)] = Held(delivery: delivery, since: .now)
                defer { h.running = true }
                return !h.running
            }
            if start { Task.detached { await self.run() } }
        }

        func release(_ delivery: BusDelivery) {
            _ = held.withLock { $0.deliveries.removeValue(forKey: ObjectIdentifier(delivery)) }
        }

        private func run() async {
            while (try? await Task.sleep(for: Self.interval)) != nil {
                let due = ContinuousClock.now - Self.interval
                let stale = held.withLock { h in
                    h.deliveries = h.deliveries.filter { $0.value.delivery != nil }
                    return h.deliveries.values.filter { $0.since <= due }.compactMap(\.delivery)
                }
                for delivery in stale { delivery.inProgress() }
            }
        }
    }
}
