import CNATS
import Synchronization

/// A message from a durable consumer, to be settled once: acknowledged when its effect is
/// recorded, or given back for a later delivery. Until then the holder keeps it alive with
/// `inProgress()` (see `keepingAlive`), or the server delivers it again after the consumer's
/// ack wait. Settling twice does nothing.
public final class BusDelivery: @unchecked Sendable {
    // @unchecked: `message` is owned here, used under `settled`'s lock, destroyed in deinit.
    private let message: OpaquePointer?
    private let settled = Mutex(false)
    private let keeper = Mutex<Task<Void, Never>?>(nil)
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
        stopKeepingAlive()
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

    /// Runs `work` while telling the server every `interval` that the message is still in hand.
    public func keepingAlive<T: Sendable>(every interval: Duration, _ work: () async -> T) async -> T {
        keepAlive(every: interval)
        defer { stopKeepingAlive() }
        return await work()
    }

    /// Tells the server every `interval` that the message is still in hand, until it is settled.
    public func keepAlive(every interval: Duration) {
        let task = Task { [weak self] in
            while (try? await Task.sleep(for: interval)) != nil {
                guard let self else { return }
                self.inProgress()
            }
        }
        keeper.withLock { old in
            old?.cancel()
            old = task
        }
    }

    private func stopKeepingAlive() { keeper.withLock { $0?.cancel() } }
}
