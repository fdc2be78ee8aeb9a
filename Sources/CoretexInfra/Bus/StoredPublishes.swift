import CNATS
import Dispatch
import Foundation
import Logging
import Synchronization

/// Publishes to a stream without waiting, and sees that each message is stored in the end
/// (docs/durability.md, "Messages in transit"): nats.c keeps every message until its stream
/// acknowledges it; what a server crash swallowed (the message or its acknowledgement) is sent
/// again once the connection is back, and a message the stream refused for a while (JetStream
/// still starting) is sent again 250 ms later, for 30 s at most. So is every message of the
/// last two seconds, acknowledged or not: nats-server acknowledges a message before its file
/// store has written it out, so a `kill -9` of the server can lose what it had just
/// acknowledged (measured: about one job in 500 under the chaos suite). The message id makes a
/// message sent twice stored once while the stream still holds it; a copy of one already
/// consumed is delivered again, and every consumer treats it as the duplicate it is.
final class StoredPublishes: @unchecked Sendable {
    // @unchecked: `jetStream` is written once, before any publish, and read after.
    private(set) var jetStream: OpaquePointer?
    private let tries = Mutex<[String: Int]>([:])
    /// Whether anything was published through here (nats.c keeps no pending list before that).
    private let used = Atomic<Bool>(false)
    /// Set before the JetStream context is destroyed: a retry still scheduled then is dropped.
    private let closed = Atomic<Bool>(false)
    /// What was published in the last `recentWindow`, to send again after a reconnect.
    private let recent = Mutex<[(at: ContinuousClock.Instant, subject: String, data: [UInt8], id: String)]>([])
    static let recentWindow = Duration.seconds(2)
    let logger: Logger

    init(logger: Logger) { self.logger = logger }

    /// The JetStream options that route publish errors here; `self` must outlive the context.
    func options() -> jsOptions {
        var options = jsOptions()
        jsOptions_Init(&options)
        options.PublishAsync.ErrHandler = onPublishError
        options.PublishAsync.ErrHandlerClosure = Unmanaged.passUnretained(self).toOpaque()
        return options
    }

    func attach(_ js: OpaquePointer) { jetStream = js }

    /// The bus is closing: nothing is sent through the context from now on.
    func close() { closed.store(true, ordering: .sequentiallyConsistent) }

    func publish(_ subject: String, _ data: [UInt8], messageID: String) throws {
        guard let jetStream, !closed.load(ordering: .sequentiallyConsistent) else {
            throw BusError(operation: "publish \(subject)", text: "the bus is closed")
        }
        remember(subject, data, messageID: messageID)
        let status = messageID.withCString { id in
            var options = jsPubOptions()
            jsPubOptions_Init(&options)
            options.MsgId = id
            return data.withUnsafeBytes { buffer in
                js_PublishAsync(jetStream, subject, buffer.baseAddress, Int32(buffer.count), &options)
            }
        }
        try NATSBus.check(status, "publish \(subject) to its stream")
    }

    /// Keeps a published message for `recentWindow` (also one published synchronously).
    func remember(_ subject: String, _ data: [UInt8], messageID: String) {
        used.store(true, ordering: .relaxed)
        let now = ContinuousClock.now
        recent.withLock { r in
            // Pruned in batches (once the oldest is two windows old), so each publish costs O(1)
            // on average instead of a scan of the list.
            if let first = r.first, now - first.at > Self.recentWindow * 2 {
                r.removeFirst(r.firstIndex { now - $0.at <= Self.recentWindow } ?? r.count)
            }
            r.append((now, subject, data, messageID))
        }
    }

    /// After a reconnect: every message not acknowledged yet, and every one of the last two
    /// seconds, goes again (from a thread of its own: not from inside nats.c's callback).
    func reconnected() {
        guard used.load(ordering: .relaxed), !closed.load(ordering: .sequentiallyConsistent) else { return }
        DispatchQueue.global().async { self.resendPending() }
    }

    private func resendPending() {
        guard let jetStream, !closed.load(ordering: .sequentiallyConsistent) else { return }
        let again = recent.withLock { r in
            defer { r.removeAll() }
            return r
        }
        for message in again {
            do {
                try publish(message.subject, message.data, messageID: message.id)
            } catch {
                failed(subject: message.subject, data: message.data, messageID: message.id, error: "\(error)")
            }
        }
        var pending = natsMsgList()
        guard js_PublishAsyncGetPendingList(&pending, jetStream) == NATS_OK else { return }
        defer { natsMsgList_Destroy(&pending) }
        for i in 0..<Int(pending.Count) {
            // On success the library owns the message again and clears the slot.
            _ = js_PublishMsgAsync(jetStream, &pending.Msgs[i], nil)
        }
        if pending.Count > 0 { logger.info("sent again what the bus had not stored", metadata: ["messages": "\(pending.Count)"]) }
    }

    fileprivate func failed(subject: String, data: [UInt8], messageID: String, error: String) {
        let n = tries.withLock { t in
            t[messageID, default: 0] += 1
            return t[messageID]!
        }
        guard n <= 120, !closed.load(ordering: .sequentiallyConsistent) else {
            tries.withLock { _ = $0.removeValue(forKey: messageID) }
            logger.error("a stream refused a message for 30 s; dropped", metadata: ["subject": "\(subject)", "error": "\(error)"])
            return
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.25) { [self] in
            do {
                try publish(subject, data, messageID: messageID)
            } catch {
                failed(subject: subject, data: data, messageID: messageID, error: "\(error)")
            }
        }
    }
}

private let onPublishError: jsPubAckErrHandler = { _, failure, closure in
    guard let failure, let closure, let msg = failure.pointee.Msg else { return }
    let publishes = Unmanaged<StoredPublishes>.fromOpaque(closure).takeUnretainedValue()
    var id: UnsafePointer<CChar>?
    _ = natsMsgHeader_Get(msg, "Nats-Msg-Id", &id)
    let length = Int(natsMsg_GetDataLength(msg))
    let data: [UInt8] =
        if let bytes = natsMsg_GetData(msg), length > 0 { Array(UnsafeRawBufferPointer(start: bytes, count: length)) } else { [] }
    let text = failure.pointee.ErrText.map { String(cString: $0) } ?? String(cString: natsStatus_GetText(failure.pointee.Err))
    publishes.failed(
        subject: String(cString: natsMsg_GetSubject(msg)), data: data, messageID: id.map { String(cString: $0) } ?? UUID().uuidString,
        error: text)
}

/// nats.c calls this on its own thread once a lost connection is back.
let onReconnected: natsConnectionHandler = { _, closure in
    guard let closure else { return }
    Unmanaged<StoredPublishes>.fromOpaque(closure).takeUnretainedValue().reconnected()
}
