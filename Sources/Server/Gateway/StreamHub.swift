import CoretexProtocol
import Foundation
import Synchronization

/// Fans bus events out to WebSocket clients. Each client has its own bounded buffer; when a
/// slow client's buffer is full, events are dropped *for that client only* and it is told how
/// many it missed (a `SystemAlert` packet with code `STREAM_GAP`) instead of being silently cut.
final class StreamHub: Sendable {
    /// One connected client.
    final class Client: Sendable {
        let frames: AsyncStream<String>
        let continuation: AsyncStream<String>.Continuation
        let filter: StreamFilter
        let missed = Atomic<Int>(0)

        init(buffer: Int, filter: StreamFilter) {
            (frames, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingOldest(buffer))
            self.filter = filter
        }

        /// Takes the number of events dropped since the last call.
        func takeMissed() -> Int { missed.exchange(0, ordering: .relaxed) }
    }

    private let clients = Mutex<[ObjectIdentifier: Client]>([:])
    let bufferSize: Int

    init(bufferSize: Int = 4096) { self.bufferSize = bufferSize }

    func connect(filter: StreamFilter) -> Client {
        let client = Client(buffer: bufferSize, filter: filter)
        clients.withLock { $0[ObjectIdentifier(client)] = client }
        return client
    }

    func disconnect(_ client: Client) {
        client.continuation.finish()
        _ = clients.withLock { $0.removeValue(forKey: ObjectIdentifier(client)) }
    }

    var count: Int { clients.withLock { $0.count } }

    /// Ends every client's stream (at shutdown), so their connections close promptly.
    func closeAll() {
        for client in clients.withLock({ Array($0.values) }) { client.continuation.finish() }
    }

    /// Encodes the packet once and offers it to every client whose filter accepts it.
    func publish(_ packet: Coretex_Agent_V1_BusPacket) {
        let targets = clients.withLock { Array($0.values) }.filter { $0.filter.accepts(packet) }
        guard !targets.isEmpty, let frame = try? packet.jsonString() else { return }
        for client in targets {
            if case .dropped = client.continuation.yield(frame) {
                client.missed.add(1, ordering: .relaxed)
            }
        }
    }

    /// The notice a client gets after missing events.
    static func gapNotice(missed: Int) -> String {
        var alert = Coretex_Agent_V1_SystemAlert()
        alert.level = "WARN"
        alert.code = "STREAM_GAP"
        alert.component = "api-gateway"
        alert.message = "missed \(missed) events: this client was too slow"
        var packet = Coretex_Agent_V1_BusPacket(traceID: "", senderID: "api-gateway")
        packet.alert = alert
        return (try? packet.jsonString()) ?? "{}"
    }
}

/// Server-side stream filters (`?types=heartbeat,jobResult&job_id=…&trace_id=…&topic=…`), so a
/// client that tails one job does not receive every heartbeat.
struct StreamFilter: Sendable, Equatable {
    var types: Set<String> = []
    var jobID: String?
    var traceID: String?
    var topicPrefix: String?

    init(query: [String: String] = [:]) {
        if let t = query["types"] { types = Set(t.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }) }
        jobID = query["job_id"].flatMap { $0.isEmpty ? nil : $0 }
        traceID = query["trace_id"].flatMap { $0.isEmpty ? nil : $0 }
        topicPrefix = query["topic"].flatMap { $0.isEmpty ? nil : $0 }
    }

    func accepts(_ packet: Coretex_Agent_V1_BusPacket) -> Bool {
        let (kind, job, topic): (String, String?, String?) =
            switch packet.payload {
            case .jobRequest(let r)?: ("jobRequest", r.jobID, r.topic)
            case .jobResult(let r)?: ("jobResult", r.jobID, nil)
            case .heartbeat?: ("heartbeat", nil, nil)
            case .alert?: ("alert", nil, nil)
            case nil: ("", nil, nil)
            }
        if !types.isEmpty, !types.contains(kind) { return false }
        if let jobID, job != jobID { return false }
        if let traceID, packet.traceID != traceID { return false }
        if let topicPrefix, let topic, !topic.hasPrefix(topicPrefix) { return false }
        return true
    }
}
