/// `GET /api/v1/status`: the health of the gateway and what it depends on.
public struct StatusResponse: Codable, Sendable, Equatable {
    public struct NATS: Codable, Sendable, Equatable {
        public var connected: Bool
        public var status: String
        public var url: String
        public init(connected: Bool, status: String, url: String) {
            self.connected = connected
            self.status = status
            self.url = url
        }
    }

    public struct Redis: Codable, Sendable, Equatable {
        public var ok: Bool
        public var error: String
        public init(ok: Bool, error: String) {
            self.ok = ok
            self.error = error
        }
    }

    public struct Workers: Codable, Sendable, Equatable {
        public var count: Int
        public init(count: Int) { self.count = count }
    }

    public struct Component: Codable, Sendable, Equatable {
        public var ok: Bool
        public var detail: String
        public init(ok: Bool, detail: String) {
            self.ok = ok
            self.detail = detail
        }
    }

    public var time: String
    public var uptimeSeconds: Int
    public var nats: NATS
    public var redis: Redis
    public var workers: Workers
    /// Scheduler and safety kernel liveness, as seen from the gateway (extension).
    public var scheduler: Component?
    public var safetyKernel: Component?

    public init(time: String, uptimeSeconds: Int, nats: NATS, redis: Redis, workers: Workers) {
        self.time = time
        self.uptimeSeconds = uptimeSeconds
        self.nats = nats
        self.redis = redis
        self.workers = workers
    }

    enum CodingKeys: String, CodingKey {
        case time, nats, redis, workers, scheduler
        case uptimeSeconds = "uptime_seconds", safetyKernel = "safety_kernel"
    }
}
