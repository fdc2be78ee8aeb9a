import CNATS
import Foundation
import Logging
import Synchronization

/// The message bus: a nats.c connection behind a small async API.
///
/// nats.c is thread-safe, reconnects on its own (unlimited attempts, 2 s apart, buffering
/// publishes meanwhile) and re-subscribes after a reconnect. Its callbacks run on its own
/// threads; they only hand the message to an `AsyncStream`, so no Swift code runs there.
public final class NATSBus: MessageBus, @unchecked Sendable {
    // @unchecked: the only stored C pointer is a thread-safe nats.c connection, and it is
    // destroyed once, in `close()`, guarded by `closed`.
    private let connection: OpaquePointer
    /// The JetStream context when delivery is durable (`Durability`), else nil.
    private let jetStream: OpaquePointer?
    /// Publishes that see their message stored (the reconnect callback's closure).
    private let stored: StoredPublishes
    private let closed = Mutex(false)
    public let url: String
    private let logger: Logger

    private init(connection: OpaquePointer, jetStream: OpaquePointer?, stored: StoredPublishes, url: String, logger: Logger) {
        self.connection = connection
        self.jetStream = jetStream
        self.stored = stored
        self.url = url
        self.logger = logger
    }

    /// Durable delivery's settings (`BUS_DURABLE`, `JETSTREAM_REPLICAS`); see docs/durability.md.
    public struct Durability: Sendable {
        public var replicas: Int
        public init(replicas: Int = 1) { self.replicas = replicas }
    }

    /// Connects, retrying every `retryInterval` until it succeeds or the task is cancelled, and
    /// saying why in the log, so a bus that is not up yet delays start instead of crashing it.
    /// With `durability`, the streams of `JobStreams` are declared (or brought up to date)
    /// before this returns; a server without JetStream is an error, not a retry.
    public static func connect(
        url: String, name: String = "coretex-bus", logger: Logger, retryInterval: Duration = .seconds(2),
        durability: Durability? = nil
    ) async throws -> NATSBus {
        var attempt = 0
        let stored = StoredPublishes(logger: logger)
        while true {
            attempt += 1
            do {
                let connection = try await runBlocking { NATSHandle(try openConnection(url: url, name: name, stored: stored)) }.pointer
                if attempt > 1 { logger.info("connected to NATS", metadata: ["url": "\(redact(url))"]) }
                guard let durability else {
                    return NATSBus(connection: connection, jetStream: nil, stored: stored, url: url, logger: logger)
                }
                let js = try await jetStream(
                    connection, durability: durability, stored: stored, logger: logger, retryInterval: retryInterval)
                stored.attach(js)
                return NATSBus(connection: connection, jetStream: js, stored: stored, url: url, logger: logger)
            } catch let error as BusError where error.text.contains("JetStream is not enabled") {
                throw error
            } catch {
                logger.warning(
                    "NATS not reachable, retrying",
                    metadata: ["url": "\(redact(url))", "error": "\(error)", "attempt": "\(attempt)"])
                try await Task.sleep(for: retryInterval)
            }
        }
    }

    /// A JetStream context with the streams declared; retries what may pass (JetStream still
    /// starting after a server restart), not a server without JetStream.
    private static func jetStream(
        _ connection: OpaquePointer, durability: Durability, stored: StoredPublishes, logger: Logger, retryInterval: Duration
    ) async throws -> OpaquePointer {
        var js: OpaquePointer?
        var options = stored.options()
        try check(natsConnection_JetStream(&js, connection, &options), "jetstream")
        guard let js else { throw BusError(operation: "jetstream", text: "no context") }
        let handle = NATSHandle(js)
        while true {
            do {
                try await runBlocking { try declareStreams(handle.pointer, replicas: durability.replicas) }
                return js
            } catch let error as BusError where !error.text.contains("JetStream is not enabled") {
                logger.warning("JetStream streams not declared yet, retrying", metadata: ["error": "\(error)"])
                try await Task.sleep(for: retryInterval)
            } catch {
                jsCtx_Destroy(js)
                throw error
            }
        }
    }

    private static func openConnection(url: String, name: String, stored: StoredPublishes) throws -> OpaquePointer {
        var opts: OpaquePointer?
        try check(natsOptions_Create(&opts), "options")
        defer { natsOptions_Destroy(opts) }
        try check(natsOptions_SetURL(opts, url), "url")
        try check(natsOptions_SetName(opts, name), "name")
        try check(natsOptions_SetMaxReconnect(opts, -1), "reconnect")
        try check(natsOptions_SetReconnectWait(opts, 2000), "reconnect wait")
        try check(natsOptions_SetTimeout(opts, 2000), "timeout")
        // Latency over batching: without it every write waits for the flusher thread (~1 ms).
        try check(natsOptions_SetSendAsap(opts, true), "send asap")
        // One delivery thread pool instead of one thread per subscription; handlers only enqueue.
        try check(natsOptions_UseGlobalMessageDelivery(opts, true), "global delivery")
        try check(
            natsOptions_SetReconnectedCB(opts, onReconnected, Unmanaged.passUnretained(stored).toOpaque()), "reconnected callback")
        var nc: OpaquePointer?
        try check(natsConnection_Connect(&nc, opts), "connect")
        guard let nc else { throw BusError(operation: "connect", text: "no connection") }
        return nc
    }

    static func check(_ status: natsStatus, _ operation: String) throws {
        guard status == NATS_OK else {
            throw BusError(operation: operation, text: String(cString: natsStatus_GetText(status)))
        }
    }

    /// Publishes fire-and-forget. While reconnecting, nats.c buffers the message.
    public func publish(_ subject: String, _ data: [UInt8]) throws {
        let status = data.withUnsafeBytes { buffer in
            natsConnection_Publish(connection, subject, buffer.baseAddress, Int32(buffer.count))
        }
        try Self.check(status, "publish \(subject)")
    }

    /// Publishes with a reply subject (for request/reply).
    public func publish(_ subject: String, reply: String, _ data: [UInt8]) throws {
        let status = data.withUnsafeBytes { buffer in
            natsConnection_PublishRequest(connection, subject, reply, buffer.baseAddress, Int32(buffer.count))
        }
        try Self.check(status, "publish \(subject)")
    }

    /// Subscribes to `subject`, in `queue` group when given (one member of the group gets
    /// each message). Iterate the returned subscription to receive; `unsubscribe()` ends it.
    /// `accept`, when given, is asked as each message arrives, with its bytes, on nats.c's
    /// thread: a listener that is often idle, or wants few of the messages, drops the rest
    /// there for nearly nothing. (A queue-group member that refuses a message loses it for the
    /// whole group.)
    public func subscribe(
        _ subject: String, queue: String? = nil,
        accept: (@Sendable (UnsafeRawBufferPointer) -> Bool)? = nil
    ) throws -> BusSubscription {
        try BusSubscription(connection: connection, subject: subject, queue: queue, accept: accept)
    }

    /// Hands each message's bytes to `handler` on nats.c's delivery thread and nothing to a
    /// task: for bookkeeping that takes microseconds and never blocks. The subscription
    /// yields nothing; keep it to `unsubscribe()`.
    public func observe(_ subject: String, handler: @escaping @Sendable (UnsafeRawBufferPointer) -> Void) throws
        -> BusSubscription
    {
        try subscribe(subject) { bytes in
            handler(bytes)
            return false
        }
    }

    /// Sends a request and waits for one reply.
    public func request(_ subject: String, _ data: [UInt8], timeout: Duration = .seconds(2)) async throws -> BusMessage {
        let ms = Int64(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        return try await runBlocking { [self] in
            var reply: OpaquePointer?
            let status = data.withUnsafeBytes { buffer in
                natsConnection_Request(&reply, self.connection, subject, buffer.baseAddress, Int32(buffer.count), ms)
            }
            try Self.check(status, "request \(subject)")
            defer { natsMsg_Destroy(reply) }
            return BusMessage(nats: reply!)
        }
    }

    public var isDurable: Bool { jetStream != nil }

    /// Publishes to a stream and waits (on a thread of its own) for the server to store it.
    public func publishDurably(_ subject: String, _ data: [UInt8], messageID: String?) async throws {
        guard let jetStream else { return try publish(subject, data) }
        let js = NATSHandle(jetStream)
        try await runBlocking {
            var code = jsErrCode(0)
            let status = (messageID ?? "").withCString { id in
                var options = jsPubOptions()
                jsPubOptions_Init(&options)
                if messageID != nil { options.MsgId = id }
                options.MaxWait = 5000
                return data.withUnsafeBytes { buffer in
                    js_Publish(nil, js.pointer, subject, buffer.baseAddress, Int32(buffer.count), &options, &code)
                }
            }
            try Self.check(status, "publish \(subject) to its stream (\(code.rawValue))")
        }
        // Acknowledged is not yet written out (see `StoredPublishes`): sent again after a reconnect.
        if let messageID { stored.remember(subject, data, messageID: messageID) }
    }

    /// Publishes to a stream without waiting; the message is sent again until its stream has
    /// stored it (see `StoredPublishes`). Without durability, `publish`.
    public func publishStored(_ subject: String, _ data: [UInt8], messageID: String) throws {
        guard jetStream != nil else { return try publish(subject, data) }
        try stored.publish(subject, data, messageID: messageID)
    }

    /// Declares the consumer (or updates it) and binds to it; without durability, a plain
    /// subscription to its subject in its queue group.
    public func consume(_ consumer: DurableConsumer) throws -> BusSubscription {
        guard let jetStream else { return try subscribe(consumer.subject, queue: consumer.queue) }
        try Self.declare(consumer, js: jetStream)
        return try BusSubscription(jetStream: jetStream, consumer: consumer)
    }

    /// Waits until the server has processed everything published so far.
    public func flush(timeout: Duration = .seconds(2)) async throws {
        let ms = Int64(timeout.components.seconds * 1000)
        try await runBlocking { [self] in try Self.check(natsConnection_FlushTimeout(self.connection, max(ms, 1)), "flush") }
    }

    /// `CONNECTED`, `RECONNECTING`, … as nats.c reports it (the gateway's status route shows it).
    public var status: String {
        switch natsConnection_Status(connection) {
        case NATS_CONN_STATUS_CONNECTED: "CONNECTED"
        case NATS_CONN_STATUS_DISCONNECTED: "DISCONNECTED"
        case NATS_CONN_STATUS_RECONNECTING: "RECONNECTING"
        case NATS_CONN_STATUS_CONNECTING: "CONNECTING"
        case NATS_CONN_STATUS_CLOSED: "CLOSED"
        case NATS_CONN_STATUS_DRAINING_SUBS: "DRAINING_SUBS"
        case NATS_CONN_STATUS_DRAINING_PUBS: "DRAINING_PUBS"
        default: "UNKNOWN"
        }
    }

    public var isConnected: Bool { natsConnection_Status(connection) == NATS_CONN_STATUS_CONNECTED }

    public var displayURL: String { Self.redact(url) }

    /// Closes the connection; subscriptions end. Safe to call more than once.
    public func close() {
        let first = closed.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        stored.close()
        if let jetStream { jsCtx_Destroy(jetStream) }
        natsConnection_Close(connection)
        natsConnection_Destroy(connection)
    }

    /// The URL without credentials, for logs and the status route.
    public static func redact(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil || components.user != nil else {
            return url
        }
        components.user = nil
        components.password = nil
        return components.string ?? url
    }
}

extension BusMessage {
    init(nats msg: OpaquePointer) {
        let length = Int(natsMsg_GetDataLength(msg))
        let bytes: [UInt8] =
            if let data = natsMsg_GetData(msg), length > 0 {
                Array(UnsafeRawBufferPointer(start: data, count: length))
            } else {
                []
            }
        self.init(
            subject: String(cString: natsMsg_GetSubject(msg)),
            reply: natsMsg_GetReply(msg).map { String(cString: $0) },
            data: bytes)
    }
}

/// A nats.c connection pointer crossing from the connecting thread to its owner.
private struct NATSHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
}
