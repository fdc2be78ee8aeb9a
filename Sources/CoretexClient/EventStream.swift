import CoretexProtocol
import Foundation
import HummingbirdWSClient
import Logging
import SwiftProtobuf
import Synchronization

/// The live stream `/api/v1/stream`: bus packets as they happen, with reconnection.
///
/// The connection is re-established on its own after a drop (with capped backoff); the
/// consumer learns about every drop and reconnect, and about events the gateway could not
/// deliver (its `STREAM_GAP` alerts), so it can tell the operator that something was missed.
public struct EventStream: Sendable {
    public enum Message: Sendable {
        case connected
        /// The connection dropped; a reconnect follows after `retryIn`.
        case disconnected(reason: String, retryIn: Duration)
        case packet(Coretex_Agent_V1_BusPacket)
    }

    /// Server-side filters: the gateway only sends what matches.
    public struct Filter: Sendable, Equatable {
        /// Packet kinds: `jobRequest`, `jobResult`, `heartbeat`, `alert`.
        public var types: [String] = []
        public var jobID: String?
        public var traceID: String?
        /// Topic prefix of job requests.
        public var topic: String?
        public init() {}

        var query: [(String, String)] {
            var q: [(String, String)] = []
            if !types.isEmpty { q.append(("types", types.joined(separator: ","))) }
            if let jobID { q.append(("job_id", jobID)) }
            if let traceID { q.append(("trace_id", traceID)) }
            if let topic { q.append(("topic", topic)) }
            return q
        }
    }

    let endpoint: GatewayEndpoint
    let filter: Filter

    public init(_ endpoint: GatewayEndpoint, filter: Filter = Filter()) {
        self.endpoint = endpoint
        self.filter = filter
    }

    /// Messages until the consuming task is cancelled. `reconnect: false` ends the sequence at
    /// the first drop instead.
    public func messages(reconnect: Bool = true) -> AsyncStream<Message> {
        let url = endpoint.streamURL(query: filter.query)
        // Unbounded on purpose: the consumer prints as fast as the terminal allows, and the
        // gateway already bounds what it queues per client (and reports what it dropped).
        return AsyncStream { continuation in
            let task = Task {
                var logger = Logger(label: "ctx.stream")
                logger.logLevel = .critical
                var backoff = Duration.milliseconds(250)
                while !Task.isCancelled {
                    var reason = "closed by the gateway"
                    let connected = Atomic<Bool>(false)
                    do {
                        _ = try await WebSocketClient.connect(url: url, logger: logger) { inbound, _, _ in
                            continuation.yield(.connected)
                            connected.store(true, ordering: .relaxed)
                            for try await message in inbound.messages(maxSize: 1 << 24) {
                                guard case .text(let text) = message else { continue }
                                if let packet = try? Coretex_Agent_V1_BusPacket(jsonString: text, options: Self.lenient) {
                                    continuation.yield(.packet(packet))
                                }
                            }
                        }
                    } catch {
                        reason = "\(error)"
                    }
                    if Task.isCancelled || !reconnect { break }
                    if connected.load(ordering: .relaxed) { backoff = .milliseconds(250) }
                    continuation.yield(.disconnected(reason: reason, retryIn: backoff))
                    try? await Task.sleep(for: backoff)
                    backoff = min(backoff * 2, .seconds(5))
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    static var lenient: JSONDecodingOptions {
        var o = JSONDecodingOptions()
        o.ignoreUnknownFields = true
        return o
    }
}
