import CoretexCore
import Hummingbird
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import Synchronization

/// Prometheus exposition on `/metrics` at `address`.
///
/// One registry per process, bootstrapped once: in the dev stack the scheduler's and the
/// gateway's endpoints show the same (process-wide) metrics.
public struct MetricsEndpoint: Service {
    let address: HostPort
    let logger: Logger

    public init(address: HostPort, logger: Logger) {
        self.address = address
        self.logger = logger
        Self.bootstrap()
    }

    private static let registryBox = Mutex<PrometheusCollectorRegistry?>(nil)

    /// Installs the Prometheus factory for swift-metrics (idempotent).
    @discardableResult
    public static func bootstrap() -> PrometheusCollectorRegistry {
        registryBox.withLock { box in
            if let registry = box { return registry }
            let registry = PrometheusCollectorRegistry()
            var factory = PrometheusMetricsFactory(registry: registry)
            factory.defaultDurationHistogramBuckets = [
                .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
            ]
            MetricsSystem.bootstrap(factory)
            box = registry
            return registry
        }
    }

    public func run() async throws {
        let registry = Self.bootstrap()
        let router = Router()
        router.get("/metrics") { _, _ -> String in
            var buffer: [UInt8] = []
            registry.emit(into: &buffer)
            return String(decoding: buffer, as: UTF8.self)
        }
        let app = Application(
            router: router, configuration: .init(address: .hostname(address.host, port: address.port)), logger: logger)
        try await app.run()
    }
}
