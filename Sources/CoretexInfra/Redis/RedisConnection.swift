import CHiredis
import Foundation
import Metrics
import Synchronization

/// One Redis connection. Callers write their own commands to the socket, and one thread per
/// connection reads the replies and hands them back in order.
///
/// Whoever finds the socket idle writes everything queued so far, and what arrives while it
/// writes goes out in its next write: concurrent callers share writes, and nobody wakes a
/// thread to send a command (a thread that both wrote and read had to be woken for each round
/// trip, on top of the wake-up the reply itself costs). hiredis connects (blocking, with a
/// timeout, then AUTH/SELECT) and parses replies; commands arrive already in RESP
/// (`RedisCommands`). On an I/O error, a protocol error or 5 s without a reply while one is
/// awaited, the commands in flight fail with `RedisError.connection` and the next reconnects.
final class RedisConnection: Sendable {
    private struct Waiter {
        let count: Int
        let continuation: CheckedContinuation<[RedisValue], any Error>
    }

    /// An open hiredis context. Only the reader thread frees it, and only once no caller is
    /// writing to its socket (a closed descriptor may be reused by the next connection).
    private final class Link: @unchecked Sendable {
        let context: UnsafeMutablePointer<redisContext>
        let fd: Int32
        init(_ context: UnsafeMutablePointer<redisContext>) {
            self.context = context
            fd = context.pointee.fd
        }
    }

    private struct State {
        var link: Link?
        /// Callers awaiting replies, in the order their commands were queued; the first
        /// `head` are answered.
        var waiters: [Waiter] = []
        var head = 0
        /// RESP queued and not yet written.
        var outbox: [UInt8] = []
        /// A caller (or the reader, after connecting) is writing to the socket.
        var writing = false
        var stopped = false
        /// When replies were last awaited from an idle start, or bytes last arrived.
        var lastProgress = ContinuousClock.now

        var awaiting: Bool { head < waiters.count }

        mutating func takeOutbox() -> [UInt8] {
            defer { outbox = [] }
            return outbox
        }

        mutating func takeWaiters() -> [Waiter] {
            defer {
                waiters = []
                head = 0
            }
            return Array(waiters[head...])
        }

        mutating func popWaiter() -> Waiter {
            let waiter = waiters[head]
            head += 1
            if head == waiters.count {
                waiters.removeAll(keepingCapacity: true)
                head = 0
            } else if head >= 64, head * 2 >= waiters.count {
                waiters.removeFirst(head)
                head = 0
            }
            return waiter
        }
    }

    private enum Next {
        case refuse, connect, wait
        case write(Link, [UInt8])
    }

    private let url: RedisURL
    private let connectTimeout: Double
    private let state = Mutex(State())
    /// Wakes the reader when commands wait for a connection, or at stop.
    private let wakeup = DispatchSemaphore(value: 0)
    /// Writes made so far, each a batch of commands whose replies come back together (see
    /// `RedisClient.roundTrips`).
    let roundTrips = Atomic<Int>(0)
    private static let stallLimit = Duration.seconds(5)

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
        if commands.count == 0 { return [] }  // nothing would ever answer it
        return try await withCheckedThrowingContinuation { continuation in
            let next = state.withLock { s -> Next in
                guard !s.stopped else { return .refuse }
                if !s.awaiting { s.lastProgress = .now }
                s.waiters.append(Waiter(count: commands.count, continuation: continuation))
                s.outbox.append(contentsOf: commands.bytes)
                guard let link = s.link else { return .connect }
                if s.writing { return .wait }  // the writer takes these bytes in its next write
                s.writing = true
                return .write(link, s.takeOutbox())
            }
            switch next {
            case .refuse: continuation.resume(throwing: RedisError.connection("client closed"))
            case .connect: wakeup.signal()
            case .wait: break
            case .write(let link, let bytes): write(bytes, to: link, inline: true)
            }
        }
    }

    /// Ends the connection: commands in flight fail, later ones are refused. The reader
    /// thread notices within a second and closes the socket.
    func stop() {
        state.withLock { $0.stopped = true }
        wakeup.signal()
    }

    // MARK: - writing (on the callers' threads)

    /// Writes `bytes`, then whatever was queued meanwhile, until the outbox is empty; the
    /// caller holds `writing`, and gives it up here. `inline`: the caller is a task on Swift's
    /// cooperative pool, which may write a small batch or two itself but must not stay
    /// blocked on a slow socket or keep writing for others: large or continuing writes go
    /// on a dispatch thread.
    private func write(_ first: [UInt8], to link: Link, inline: Bool) {
        if inline, first.count > Self.inlineWriteLimit {
            DispatchQueue.global().async { self.write(first, to: link, inline: false) }
            return
        }
        var bytes = first
        var writes = 0
        while true {
            writes += 1
            Counter(label: "coretex_redis_round_trips_total").increment()
            roundTrips.add(1, ordering: .relaxed)
            let written = Self.sendAll(bytes, to: link.fd)
            // While `writing` is held the reader cannot free the link: shut the socket down
            // first, so the reader wakes and fails what is in flight.
            if !written { shutdown(link.fd, Int32(SHUT_RDWR)) }
            let more = state.withLock { s -> [UInt8]? in
                guard written, s.link === link, !s.outbox.isEmpty else {
                    s.writing = false
                    return nil
                }
                return s.takeOutbox()
            }
            guard let more else { return }
            if inline, writes >= 2 || more.count > Self.inlineWriteLimit {
                DispatchQueue.global().async { self.write(more, to: link, inline: false) }
                return
            }
            bytes = more
        }
    }

    private static let inlineWriteLimit = 64 * 1024

    private static func sendAll(_ bytes: [UInt8], to fd: Int32) -> Bool {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = Foundation.send(fd, buffer.baseAddress! + offset, buffer.count - offset, Int32(MSG_NOSIGNAL))
                if n > 0 {
                    offset += n
                } else if n < 0, errno == EINTR {
                    continue
                } else {
                    return false  // an error, or the 5 s send timeout
                }
            }
            return true
        }
    }

    // MARK: - the reader thread

    private func serve() {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var replies: [RedisValue] = []  // of the oldest waiter, so far
        while true {
            let (link, stopped, awaiting) = state.withLock { ($0.link, $0.stopped, $0.awaiting) }
            if stopped {
                if let link { close(link, RedisError.connection("client closed")) }
                for w in state.withLock({ $0.takeWaiters() }) { w.continuation.resume(throwing: RedisError.connection("client closed")) }
                return
            }
            guard let link else {
                if awaiting { connect() } else { wakeup.wait() }
                continue
            }
            if let error = read(link, into: &buffer, replies: &replies) {
                close(link, error)
                replies = []
            }
        }
    }

    /// Waits up to a second for bytes and delivers the replies they complete; returns why the
    /// link must be closed, if it must.
    private func read(_ link: Link, into buffer: inout [UInt8], replies: inout [RedisValue]) -> RedisError? {
        var pfd = pollfd(fd: link.fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&pfd, 1, 1000)
        if ready == 0 {
            let stalled = state.withLock { s in s.awaiting && ContinuousClock.now - s.lastProgress > Self.stallLimit }
            return stalled ? .connection("\(url.display): no reply in \(Self.stallLimit)") : nil
        }
        if ready < 0 { return errno == EINTR ? nil : .connection(String(cString: strerror(errno))) }
        let n = buffer.withUnsafeMutableBytes { recv(link.fd, $0.baseAddress, $0.count, 0) }
        if n < 0, errno == EINTR || errno == EAGAIN { return nil }
        guard n > 0 else {
            return .connection(n == 0 ? "\(url.display): connection closed" : String(cString: strerror(errno)))
        }
        state.withLock { $0.lastProgress = .now }  // any bytes are progress, a large reply's too
        return deliver(buffer, count: n, from: link, into: &replies)
    }

    /// Parses the replies in the bytes read and answers every caller whose replies are all
    /// in; returns an error when the stream cannot be parsed or answers nobody.
    private func deliver(_ buffer: [UInt8], count: Int, from link: Link, into replies: inout [RedisValue]) -> RedisError? {
        let reader = link.context.pointee.reader!
        let fed = buffer.withUnsafeBytes { redisReaderFeed(reader, $0.baseAddress!.assumingMemoryBound(to: CChar.self), count) }
        guard fed == REDIS_OK else { return .connection(String(cString: coretex_redis_reader_errstr(reader))) }
        var answered: [(Waiter, [RedisValue])] = []
        defer { for (w, r) in answered { w.continuation.resume(returning: r) } }
        while true {
            var raw: UnsafeMutableRawPointer?
            guard redisReaderGetReply(reader, &raw) == REDIS_OK else {
                return .connection(String(cString: coretex_redis_reader_errstr(reader)))
            }
            guard let raw else { return nil }  // the rest of the reply is still on its way
            replies.append(Self.value(raw.assumingMemoryBound(to: redisReply.self)))
            freeReplyObject(raw)
            let done = state.withLock { s -> Waiter?? in
                guard s.awaiting else { return .none }
                return s.waiters[s.head].count == replies.count ? .some(s.popWaiter()) : .some(nil)
            }
            switch done {
            case .none: return .connection("\(url.display): a reply nobody asked for")
            case .some(let waiter?):
                answered.append((waiter, replies))
                replies = []
            case .some(nil): break
            }
        }
    }

    /// Fails everything in flight on `link` with `error` and frees it, once no caller writes to it.
    private func close(_ link: Link, _ error: RedisError) {
        let failed = state.withLock { s -> [Waiter]? in
            guard s.link === link else { return nil }
            s.link = nil
            s.outbox = []
            return s.takeWaiters()
        }
        guard let failed else { return }  // closed already
        shutdown(link.fd, Int32(SHUT_RDWR))  // a write under way returns at once
        while state.withLock({ $0.writing }) { usleep(50) }
        redisFree(link.context)
        for w in failed { w.continuation.resume(throwing: error) }
    }

    /// Opens a connection for the commands waiting, and writes them; fails them when Redis
    /// cannot be reached.
    private func connect() {
        switch open() {
        case .failure(let error):
            let failed = state.withLock { s -> [Waiter] in
                s.outbox = []
                return s.takeWaiters()
            }
            for w in failed { w.continuation.resume(throwing: error) }
        case .success(let context):
            let link = Link(context)
            let queued = state.withLock { s -> [UInt8]? in
                s.link = link
                s.lastProgress = .now
                guard !s.outbox.isEmpty, !s.writing else { return nil }
                s.writing = true
                return s.takeOutbox()
            }
            // Written from another thread: this one goes back to reading the replies.
            if let queued { DispatchQueue.global().async { self.write(queued, to: link, inline: false) } }
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
        // Writes to a server that stops reading give up after 5 s, as replies do.
        tv = timeval(tv_sec: 5, tv_usec: 0)
        redisSetTimeout(c, tv)
        var setup: [[String]] = []
        if let password = url.password { setup.append(["AUTH"] + [url.username, password].compactMap { $0 }) }
        if url.database != 0 { setup.append(["SELECT", String(url.database)]) }
        for command in setup {
            switch execute(RedisCommands([command]), on: c) {
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

    /// Writes the commands and reads one reply per command with hiredis' blocking calls
    /// (the set-up of a connection, before any caller can use it).
    private func execute(_ commands: RedisCommands, on c: UnsafeMutablePointer<redisContext>) -> Result<[RedisValue], RedisError> {
        let status = commands.bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { redisAppendFormattedCommand(c, $0.baseAddress, $0.count) }
        }
        if status != REDIS_OK { return .failure(.connection(String(cString: coretex_redis_errstr(c)))) }
        var replies: [RedisValue] = []
        for _ in 0..<commands.count {
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
