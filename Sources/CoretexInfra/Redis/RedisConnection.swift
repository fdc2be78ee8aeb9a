import CHiredis
import Foundation
import Metrics
import Synchronization

/// One hiredis connection served by its own thread, with automatic pipelining: every command
/// queued while the thread is busy goes out in the next batch (append all, then read all
/// replies), so concurrent callers share round trips instead of waiting for each other.
///
/// hiredis' sync API blocks; a dedicated thread keeps it off Swift's cooperative pool.
/// On an I/O error the batch fails with `RedisError.connection` and the next batch reconnects.
final class RedisConnection: Sendable {
    private struct Pending: Sendable {
        let commands: RedisCommands
        let continuation: CheckedContinuation<[RedisValue], any Error>
    }

    private struct State {
        var queue: [Pending] = []
        var stopped = false
    }

    private let url: RedisURL
    private let connectTimeout: Double
    /// Batches written and read back so far (see `RedisClient.roundTrips`).
    let roundTrips = Atomic<Int>(0)
    private let state = Mutex(State())
    private let wakeup = DispatchSemaphore(value: 0)

    init(url: RedisURL, connectTimeout: Double = 2) {
        self.url = url
        self.connectTimeout = connectTimeout
        let thread = Thread { [self] in self.serve() }
        thread.name = "redis-\(url.port)"
        thread.start()
    }

    /// Sends the commands as one pipeline and returns their replies in order. Server error
    /// replies come back as `.error` values; the caller decides whether they are fatal.
    func send(_ commands: RedisCommands) async throws -> [RedisValue] {
        try await withCheckedThrowingContinuation { continuation in
            let accepted = state.withLock { state -> Bool in
                guard !state.stopped else { return false }
                state.queue.append(Pending(commands: commands, continuation: continuation))
                return true
            }
            if accepted {
                wakeup.signal()
            } else {
                continuation.resume(throwing: RedisError.connection("client closed"))
            }
        }
    }

    func stop() {
        state.withLock { $0.stopped = true }
        wakeup.signal()
    }

    // MARK: - the connection thread

    private func serve() {
        var context: UnsafeMutablePointer<redisContext>?
        defer { if let context { redisFree(context) } }
        while true {
            wakeup.wait()
            let (batch, stopped) = state.withLock { state -> ([Pending], Bool) in
                defer { state.queue.removeAll() }
                return (state.queue, state.stopped)
            }
            if stopped {
                for p in batch { p.continuation.resume(throwing: RedisError.connection("client closed")) }
                return
            }
            if batch.isEmpty { continue }
            if context == nil {
                switch open() {
                case .success(let c): context = c
                case .failure(let error):
                    for p in batch { p.continuation.resume(throwing: error) }
                    continue
                }
            }
            // One per batch written and read back: what `make bench` divides by jobs.
            Counter(label: "coretex_redis_round_trips_total").increment()
            roundTrips.add(1, ordering: .relaxed)
            switch run(batch, on: context!) {
            case .success(let replies):
                for (p, r) in zip(batch, replies) { p.continuation.resume(returning: r) }
            case .failure(let error):
                redisFree(context)
                context = nil
                for p in batch { p.continuation.resume(throwing: error) }
            }
        }
    }

    private func open() -> Result<UnsafeMutablePointer<redisContext>, RedisError> {
        var tv = timeval(tv_sec: Int(connectTimeout), tv_usec: 0)
        guard let c = redisConnectWithTimeout(url.host, Int32(url.port), tv) else {
            return .failure(.connection("cannot allocate context"))
        }
        if coretex_redis_err(c) != 0 {
            let text = String(cString: coretex_redis_errstr(c))
            redisFree(c)
            return .failure(.connection("\(url.display): \(text)"))
        }
        // Commands never wait forever on a dead server.
        tv = timeval(tv_sec: 5, tv_usec: 0)
        redisSetTimeout(c, tv)
        var setup: [[String]] = []
        if let password = url.password { setup.append(["AUTH"] + [url.username, password].compactMap { $0 }) }
        if url.database != 0 { setup.append(["SELECT", String(url.database)]) }
        for command in setup {
            switch execute([RedisCommands([command])], on: c) {
            case .success(let replies):
                if case .error(let text) = replies.first {
                    redisFree(c)
                    return .failure(.connection(text))
                }
            case .failure(let error):
                redisFree(c)
                return .failure(error)
            }
        }
        return .success(c)
    }

    private func run(_ batch: [Pending], on c: UnsafeMutablePointer<redisContext>) -> Result<[[RedisValue]], RedisError> {
        switch execute(batch.map(\.commands), on: c) {
        case .failure(let error): return .failure(error)
        case .success(let replies):
            var out: [[RedisValue]] = []
            var index = 0
            for p in batch {
                out.append(Array(replies[index..<index + p.commands.count]))
                index += p.commands.count
            }
            return .success(out)
        }
    }

    /// Writes every command, then reads one reply per command.
    private func execute(_ commands: [RedisCommands], on c: UnsafeMutablePointer<redisContext>) -> Result<[RedisValue], RedisError> {
        var total = 0
        for part in commands {
            let status = part.bytes.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { redisAppendFormattedCommand(c, $0.baseAddress, $0.count) }
            }
            if status != REDIS_OK { return .failure(.connection(String(cString: coretex_redis_errstr(c)))) }
            total += part.count
        }
        var replies: [RedisValue] = []
        replies.reserveCapacity(total)
        for _ in 0..<total {
            var raw: UnsafeMutableRawPointer?
            guard redisGetReply(c, &raw) == REDIS_OK, let raw else {
                let text = coretex_redis_err(c) != 0 ? String(cString: coretex_redis_errstr(c)) : "no reply"
                return .failure(.connection(text))
            }
            replies.append(Self.value(raw.assumingMemoryBound(to: redisReply.self)))
            freeReplyObject(raw)
        }
        return .success(replies)
    }

    private static func value(_ reply: UnsafeMutablePointer<redisReply>) -> RedisValue {
        let r = reply.pointee
        switch r.type {
        case REDIS_REPLY_STRING:
            return .string(r.str.map { Array(UnsafeRawBufferPointer(start: $0, count: Int(r.len))) } ?? [])
        case REDIS_REPLY_STATUS:
            return .status(r.str.map { String(cString: $0) } ?? "")
        case REDIS_REPLY_ERROR:
            return .error(r.str.map { String(cString: $0) } ?? "error")
        case REDIS_REPLY_INTEGER:
            return .integer(Int(r.integer))
        case REDIS_REPLY_NIL:
            return .null
        case REDIS_REPLY_ARRAY:
            var items: [RedisValue] = []
            for i in 0..<Int(r.elements) {
                if let element = r.element[i] { items.append(value(element)) }
            }
            return .array(items)
        default:
            return .null
        }
    }
}
