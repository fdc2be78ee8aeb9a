import CoretexProtocol
import CoretexTestSupport
import Foundation
import HummingbirdWSClient
import Logging
import Synchronization

/// Connects to `/api/v1/stream` and records every frame, decoded as a BusPacket, until stopped.
final class StreamRecorder: Sendable {
    private let frames = Mutex<[Coretex_Agent_V1_BusPacket]>([])
    private let task: Mutex<Task<Void, Never>?> = Mutex(nil)
    private let connected = Atomic<Bool>(false)
    let closeReason = Mutex<String?>(nil)

    init(url: String) {
        let t = Task {
            var logger = Logger(label: "ws")
            logger.logLevel = .critical
            do {
                try await WebSocketClient.connect(url: url, logger: logger) { inbound, _, _ in
                    self.connected.store(true, ordering: .relaxed)
                    for try await message in inbound.messages(maxSize: 1 << 22) {
                        if case .text(let text) = message, let packet = try? Coretex_Agent_V1_BusPacket(jsonString: text) {
                            self.frames.withLock { $0.append(packet) }
                        }
                    }
                }
            } catch {
                self.closeReason.withLock { $0 = "\(error)" }
            }
            self.connected.store(false, ordering: .relaxed)
        }
        task.withLock { $0 = t }
    }

    var packets: [Coretex_Agent_V1_BusPacket] { frames.withLock { $0 } }
    var isConnected: Bool { connected.load(ordering: .relaxed) }

    func stop() { task.withLock { $0?.cancel() } }
}
