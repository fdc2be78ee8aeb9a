import CNATS

/// A live subscription; an `AsyncSequence` of the messages it receives.
public final class BusSubscription: AsyncSequence, @unchecked Sendable {
    // @unchecked: `subscription` is a thread-safe nats.c handle, written once in init.
    public typealias Element = BusMessage

    private let stream: AsyncStream<BusMessage>
    /// The nats.c subscription; nil for one made by an in-memory bus.
    private let subscription: OpaquePointer?
    private let stop: (@Sendable () -> Void)?
    public let subject: String

    /// `accept` is asked on nats.c's delivery thread as each message arrives, with its bytes; a
    /// message it refuses is dropped there, before it is copied or any task is woken for it.
    init(
        connection: OpaquePointer, subject: String, queue: String?,
        accept: (@Sendable (UnsafeRawBufferPointer) -> Bool)? = nil
    ) throws {
        let (stream, continuation) = AsyncStream.makeStream(of: BusMessage.self)
        // Owned by the C side from here until the completion callback releases it: nats.c
        // guarantees the message handler does not run after that.
        let sink = Unmanaged.passRetained(Sink(continuation, accept: accept)).toOpaque()
        var sub: OpaquePointer?
        let status: natsStatus =
            if let queue {
                natsConnection_QueueSubscribe(&sub, connection, subject, queue, onMessage, sink)
            } else {
                natsConnection_Subscribe(&sub, connection, subject, onMessage, sink)
            }
        guard status == NATS_OK, let sub else {
            Unmanaged<Sink>.fromOpaque(sink).release()
            throw BusError(operation: "subscribe \(subject)", text: String(cString: natsStatus_GetText(status)))
        }
        // The handler only enqueues, so nats.c's pending buffer never fills unless the process
        // is starved; raise the default (65,536 messages) so a burst is not dropped as a slow consumer.
        natsSubscription_SetPendingLimits(sub, 1_000_000, 1 << 30)
        natsSubscription_SetOnCompleteCB(sub, onComplete, sink)
        self.stream = stream
        self.subscription = sub
        self.stop = nil
        self.subject = subject
    }

    /// A JetStream subscription bound to an existing durable consumer: its messages carry a
    /// `BusDelivery` that owns them until settled.
    init(jetStream js: OpaquePointer, consumer: DurableConsumer) throws {
        let (stream, continuation) = AsyncStream.makeStream(of: BusMessage.self)
        let sink = Unmanaged.passRetained(Sink(continuation, accept: nil)).toOpaque()
        var sub: OpaquePointer?
        var errorCode = jsErrCode(0)
        let status = consumer.stream.withCString { streamName in
            consumer.name.withCString { consumerName in
                (consumer.queue ?? "").withCString { queue in
                    var options = jsSubOptions()
                    jsSubOptions_Init(&options)
                    options.Stream = streamName
                    options.Consumer = consumerName
                    if consumer.queue != nil { options.Queue = queue }
                    options.ManualAck = true
                    return js_Subscribe(&sub, js, consumer.subject, onDurableMessage, sink, nil, &options, &errorCode)
                }
            }
        }
        guard status == NATS_OK, let sub else {
            Unmanaged<Sink>.fromOpaque(sink).release()
            let detail = nats_GetLastError(nil).map { String(cString: $0) } ?? String(cString: natsStatus_GetText(status))
            throw BusError(operation: "consume \(consumer.name)", text: "\(detail) (\(errorCode.rawValue))")
        }
        natsSubscription_SetPendingLimits(sub, 1_000_000, 1 << 30)
        natsSubscription_SetOnCompleteCB(sub, onComplete, sink)
        self.stream = stream
        self.subscription = sub
        self.stop = nil
        self.subject = consumer.subject
    }

    /// A subscription fed by something other than nats.c (an in-memory bus): `stream` yields
    /// its messages, `stop` ends delivery (it must finish the stream).
    public init(subject: String, stream: AsyncStream<BusMessage>, stop: @escaping @Sendable () -> Void) {
        self.stream = stream
        self.subscription = nil
        self.stop = stop
        self.subject = subject
    }

    public func makeAsyncIterator() -> AsyncStream<BusMessage>.AsyncIterator { stream.makeAsyncIterator() }

    /// Stops delivery; iteration ends after the messages already received.
    public func unsubscribe() {
        if let subscription { natsSubscription_Unsubscribe(subscription) } else { stop?() }
    }

    deinit {
        if let subscription {
            natsSubscription_Unsubscribe(subscription)
            natsSubscription_Destroy(subscription)
        } else {
            stop?()
        }
    }
}

/// The Swift side of a subscription, reachable from nats.c's threads.
private final class Sink: Sendable {
    let continuation: AsyncStream<BusMessage>.Continuation
    let accept: (@Sendable (UnsafeRawBufferPointer) -> Bool)?

    init(_ continuation: AsyncStream<BusMessage>.Continuation, accept: (@Sendable (UnsafeRawBufferPointer) -> Bool)?) {
        self.continuation = continuation
        self.accept = accept
    }
}

/// C callbacks cannot capture context; the sink arrives through the closure pointer.
private let onMessage: natsMsgHandler = { _, _, msg, closure in
    guard let msg, let closure else { return }
    defer { natsMsg_Destroy(msg) }
    let sink = Unmanaged<Sink>.fromOpaque(closure).takeUnretainedValue()
    if let accept = sink.accept {
        let data = UnsafeRawBufferPointer(start: natsMsg_GetData(msg), count: Int(natsMsg_GetDataLength(msg)))
        if !accept(data) { return }
    }
    sink.continuation.yield(BusMessage(nats: msg))
}

/// A JetStream message is kept (its delivery owns it) until it is settled.
private let onDurableMessage: natsMsgHandler = { _, _, msg, closure in
    guard let msg, let closure else { return }
    let sink = Unmanaged<Sink>.fromOpaque(closure).takeUnretainedValue()
    let delivery = BusDelivery(jetStream: msg)
    // Kept alive from its arrival until settled: it may wait in the stream's buffer first (the
    // scheduler reads nothing while it waits for the safety kernel at start).
    delivery.keepAlive()
    let message = BusMessage(nats: msg)
    sink.continuation.yield(
        BusMessage(subject: message.subject, reply: message.reply, data: message.data, delivery: delivery))
}

private let onComplete: natsOnCompleteCB = { closure in
    guard let closure else { return }
    Unmanaged<Sink>.fromOpaque(closure).takeRetainedValue().continuation.finish()
}
