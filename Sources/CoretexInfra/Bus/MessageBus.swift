/// What the roles need of the bus. `NATSBus` is the production one, over nats.c; unit tests
/// of a role's logic use an in-memory bus (Tests/TestSupport) with the same semantics:
/// subjects with `*` and `>` wildcards, queue groups, and ordered delivery per publisher.
public protocol MessageBus: AnyObject, Sendable {
    /// Publishes fire-and-forget; throws when the bus refuses the message.
    func publish(_ subject: String, _ data: [UInt8]) throws
    /// Subscribes to `subject`, in `queue` group when given (one member of the group gets
    /// each message). `accept`, when given, decides on the delivery thread with the bytes
    /// whether a message is kept.
    func subscribe(_ subject: String, queue: String?, accept: (@Sendable (UnsafeRawBufferPointer) -> Bool)?) throws
        -> BusSubscription
    /// Hands each message's bytes to `handler` on the delivery thread; the subscription yields nothing.
    func observe(_ subject: String, handler: @escaping @Sendable (UnsafeRawBufferPointer) -> Void) throws -> BusSubscription
    /// Publishes where the message is kept until it is consumed (JetStream, `JobStreams`),
    /// returning once the server has stored it; a second message with the same `messageID`
    /// within `JobStreams.duplicateWindow` is dropped by the server. A bus without durable
    /// delivery publishes it as `publish` does.
    func publishDurably(_ subject: String, _ data: [UInt8], messageID: String?) async throws
    /// Publishes to a stream without waiting for it, and sends the message again until the
    /// stream has stored it (after a reconnect, or while JetStream starts); `messageID` makes
    /// the copies one. For messages nobody may lose whose sender cannot wait: dispatches and
    /// results. A bus without durable delivery publishes it as `publish` does.
    func publishStored(_ subject: String, _ data: [UInt8], messageID: String) throws
    /// Receives the messages of a durable consumer, each with a `delivery` to settle. A bus
    /// without durable delivery subscribes to the consumer's subject (in its queue group),
    /// and its messages carry no delivery.
    func consume(_ consumer: DurableConsumer) throws -> BusSubscription
    /// Whether `publishDurably` and `consume` go through JetStream.
    var isDurable: Bool { get }
    /// Waits until the server has processed everything published so far.
    func flush(timeout: Duration) async throws
    var isConnected: Bool { get }
    /// `CONNECTED`, `RECONNECTING`, … for the status route.
    var status: String { get }
    /// The server's URL without credentials.
    var displayURL: String { get }
    func close()
}

extension MessageBus {
    public func subscribe(_ subject: String, queue: String? = nil) throws -> BusSubscription {
        try subscribe(subject, queue: queue, accept: nil)
    }

    public func flush() async throws { try await flush(timeout: .seconds(2)) }
}
