import CoretexInfra
import Histogram
import Logging

/// What one echo job's path costs on this machine before Coretex does any work: the hops it
/// cannot avoid, timed with the project's own clients (so a task hop is in each, as in the
/// stack), and what Redis spends on each transition script as the stack runs them.
///
/// The path a single client waits for is the gateway's create (a round trip carrying a
/// transition script), the submit on the bus, the scheduler's dispatch (a round trip carrying
/// a script), the dispatch on the bus, the worker's start with its context read (a round trip
/// carrying a script) and its result write (a plain SET), and the result on the bus: four
/// Redis round trips, three scripts and three bus hops, plus the HTTP request.
enum FloorBench {
    static let samples = 2000

    /// `scriptMicros`: Redis's own time per EVALSHA while the single client ran (an average
    /// over every script call, the finishing one off the path included); nil if unknown.
    static func run(stack: BenchStack, scriptMicros: Double?) async throws {
        let redisTrip = try await redisRoundTrip(stack.redis)
        let busHop = try await busHop(url: stack.natsURL)
        guard let scriptMicros else {
            print(
                String(
                    format: "  Redis round trip p50 %.0f µs, bus hop p50 %.0f µs (no script timings from Redis)",
                    redisTrip, busHop))
            return
        }
        let floor = 4 * redisTrip + 3 * scriptMicros + 3 * busHop
        print(
            String(
                format: """
                      floor of that path with no Coretex work (p50s): 4 Redis round trips × %.0f µs \
                    + 3 transition scripts × %.0f µs in Redis + 3 bus hops × %.0f µs = %.2f ms, before the HTTP request
                    """, redisTrip, scriptMicros, busHop, floor / 1000))
    }

    /// p50 of a PING through `RedisClient`, in µs.
    static func redisRoundTrip(_ redis: RedisClient) async throws -> Double {
        for _ in 0..<200 { try await redis.ping() }
        var h = histogram()
        for _ in 0..<samples {
            let start = ContinuousClock.now
            try await redis.ping()
            h.record(micros(ContinuousClock.now - start))
        }
        return Double(h.valueAtPercentile(50))
    }

    /// p50 of half a ping-pong between two `NATSBus` connections, each side a task iterating
    /// a subscription as the roles do, in µs.
    static func busHop(url: String) async throws -> Double {
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        let ping = try await NATSBus.connect(url: url, logger: logger)
        let pong = try await NATSBus.connect(url: url, logger: logger)
        defer { ping.close(); pong.close() }
        let pings = try pong.subscribe("bench.floor.ping")
        let pongs = try ping.subscribe("bench.floor.pong")
        try await pong.flush()
        try await ping.flush()
        let echo = Task {
            for await message in pings { try pong.publish("bench.floor.pong", message.data) }
        }
        defer { echo.cancel(); pings.unsubscribe() }
        var replies = pongs.makeAsyncIterator()
        var h = histogram()
        for i in 0..<(200 + samples) {
            let start = ContinuousClock.now
            try ping.publish("bench.floor.ping", [1])
            guard await replies.next() != nil else { throw BenchError("bus ping-pong ended") }
            if i >= 200 { h.record(micros(ContinuousClock.now - start)) }
        }
        pongs.unsubscribe()
        return Double(h.valueAtPercentile(50)) / 2
    }

    static func histogram() -> Histogram<UInt64> {
        Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
    }

    static func micros(_ d: Duration) -> UInt64 {
        UInt64(d.components.seconds * 1_000_000 + d.components.attoseconds / 1_000_000_000_000)
    }
}
