import CoretexInfra
import Foundation
import Synchronization

/// A bus in memory, for unit tests of a role's logic: NATS subject matching (`*` one token,
/// `>` the rest), queue groups (one member of a group gets each message, in turn), and each
/// message delivered on the publisher's thread in the order it was published. `refusing`
/// makes `publish` throw, as a bus that is down does.
public final class InMemoryBus: MessageBus, @unchecked Sendable {
    // @unchecked: all mutable state is behind `state`.
    struct Subscriber {
        let id: Int
        let pattern: [Substring]
        let queue: String?
        let accept: (@Sendable (UnsafeRawBufferPointer) -> Bool)?
        let continuation: AsyncStream<BusMessage>.Continuation
    }

    struct State {
        var subscribers: [Subscriber] = []
        var nextID = 0
        var turns: [String: Int] = [:]
        var published: [BusMessage] = []
        var refusing = false
    }

    private let state = Mutex(State())

    public init() {}

    /// Every message published so far, in order.
    public var published: [BusMessage] { state.withLock { $0.published } }

    /// While true, `publish` throws.
    public var refusing: Bool {
        get { state.withLock { $0.refusing } }
        set { state.withLock { $0.refusing = newValue } }
    }

    public func publish(_ subject: String, _ data: [UInt8]) throws {
        let receivers: [Subscriber] = try state.withLock { s in
            if s.refusing { throw BusError(operation: "publish \(subject)", text: "refused (in-memory bus)") }
            s.published.append(BusMessage(subject: subject, data: data))
            let matching = s.subscribers.filter { Self.matches($0.pattern, subject) }
            var chosen = matching.filter { $0.queue == nil }
            for queue in Set(matching.compactMap(\.queue)).sorted() {
                let members = matching.filter { $0.queue == queue }
                let turn = s.turns[queue, default: 0]
                s.turns[queue] = turn + 1
                chosen.append(members[turn % members.count])
            }
            return chosen
        }
        for receiver in receivers {
            let keep = receiver.accept.map { accept in data.withUnsafeBytes { accept($0) } } ?? true
            if keep { receiver.continuation.yield(BusMessage(subject: subject, data: data)) }
        }
    }

    public func subscribe(_ subject: String, queue: String?, accept: (@Sendable (UnsafeRawBufferPointer) -> Bool)?) throws
        -> BusSubscription
    {
        let (stream, continuation) = AsyncStream.makeStream(of: BusMessage.self)
        let id = state.withLock { s in
            s.nextID += 1
            s.subscribers.append(
                Subscriber(
                    id: s.nextID, pattern: subject.split(separator: "."), queue: queue, accept: accept,
                    continuation: continuation))
            return s.nextID
        }
        return BusSubscription(subject: subject, stream: stream) { [weak self] in
            self?.state.withLock { $0.subscribers.removeAll { $0.id == id } }
            continuation.finish()
        }
    }

    public func observe(_ subject: String, handler: @escaping @Sendable (UnsafeRawBufferPointer) -> Void) throws
        -> BusSubscription
    {
        try subscribe(subject, queue: nil) { bytes in
            handler(bytes)
            return false
        }
    }

    /// No durable delivery: as `publish`, and as a plain subscription (see `MessageBus`).
    public func publishDurably(_ subject: String, _ data: [UInt8], messageID: String?) async throws {
        try publish(subject, data)
    }

    public func publishStored(_ subject: String, _ data: [UInt8], messageID: String) throws {
        try publish(subject, data)
    }

    public func consume(_ consumer: DurableConsumer) throws -> BusSubscription {
        try subscribe(consumer.subject, queue: consumer.queue, accept: nil)
    }

    public var isDurable: Bool { false }

    public func flush(timeout: Duration) async throws {}
    public var isConnected: Bool { !refusing }
    public var status: String { refusing ? "DISCONNECTED" : "CONNECTED" }
    public var displayURL: String { "memory://" }

    public func close() {
        let all = state.withLock { s in
            defer { s.subscribers = [] }
            return s.subscribers
        }
        for subscriber in all { subscriber.continuation.finish() }
    }

    static func matches(_ pattern: [Substring], _ subject: String) -> Bool {
        let tokens = subject.split(separator: ".")
        for (i, token) in pattern.enumerated() {
            if token == ">" { return tokens.count > i }
            guard i < tokens.count, token == "*" || token == tokens[i] else { return false }
        }
        return tokens.count == pattern.count
    }
}
