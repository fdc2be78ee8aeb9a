import CoretexCore
import CoretexInfra
import Logging

/// The bus and the store, opened once per process and shared by every role in it.
public struct Connections: Sendable {
    public let bus: any MessageBus
    public let redis: RedisClient
    public let store: any JobRecords

    /// Connects to NATS and Redis, waiting (with a log line per attempt) for whichever is not
    /// up yet: a control plane started before its bus should come up, not crash.
    public static func open(settings: Settings, logger: Logger) async throws -> Connections {
        let redisURL = try RedisURL(parsing: settings.redisURL)
        let redis = RedisClient(url: redisURL, poolSize: settings.redisPoolSize)
        try await redis.waitUntilReachable { error, attempt in
            logger.warning(
                "Redis not reachable, retrying",
                metadata: ["url": "\(redisURL.display)", "error": "\(error)", "attempt": "\(attempt)"])
        }
        let bus = try await NATSBus.connect(
            url: settings.natsURL, logger: logger,
            durability: settings.busDurable ? NATSBus.Durability(replicas: settings.jetStreamReplicas) : nil)
        var store = StoreSettings()
        store.dataTTL = settings.dataTTL
        store.metaTTL = settings.metaTTL
        return Connections(bus: bus, redis: redis, store: JobStore(redis: redis, settings: store))
    }

    public init(bus: any MessageBus, redis: RedisClient, store: any JobRecords) {
        self.bus = bus
        self.redis = redis
        self.store = store
    }

    public func close() {
        bus.close()
        redis.close()
    }
}
