import CoretexCore
import Testing

@Suite struct ConfigTests {
    @Test func poolsFileMapsTopicsToPools() throws {
        let pools = try PoolRouting.parse(yaml: "topics:\n  job.echo: echo\n  job.chat.simple: chat-simple\n")
        #expect(pools.pool(for: "job.echo") == "echo")
        #expect(pools.pool(for: "job.other") == nil)
        #expect(pools.topics(of: "echo") == ["job.echo"])
    }

    @Test func poolsFileMustRouteSomething() {
        #expect(throws: ConfigError.self) { try PoolRouting.parse(yaml: "topics: {}\n") }
        #expect(throws: ConfigError.self) { try PoolRouting.parse(yaml: "other: 1\n") }
        #expect(throws: ConfigError.self) { try PoolRouting.parse(yaml: "topics:\n  job.echo: ''\n") }
        #expect(throws: ConfigError.missing("/nonexistent.yaml")) { try PoolRouting.load(path: "/nonexistent.yaml") }
    }

    @Test func shippedConfigFilesParse() throws {
        let root = #filePath.components(separatedBy: "/Tests/")[0]
        let pools = try PoolRouting.load(path: "\(root)/config/pools.yaml")
        #expect(pools.pool(for: "job.echo") == "echo")
        #expect(pools.pool(for: "job.repo.sast") == "repo-sast")
        let timeouts = try TimeoutConfig.load(path: "\(root)/config/timeouts.yaml")
        #expect(timeouts.runningTimeoutSeconds == 1500)
        #expect(timeouts.defaultTimeout(topic: "job.echo") == 60)
        let policy = try #require(try SafetyPolicy.load(path: "\(root)/config/safety.yaml"))
        #expect(policy.check(topic: "job.echo", tenant: "default") == .allow)
        #expect(policy.check(topic: "job.echo", tenant: "restricted") != .allow)
    }

    @Test func timeoutsFallBackToDefaults() throws {
        let config = try TimeoutConfig.parse(yaml: "reconciler:\n  running_timeout_seconds: 0\n  scan_interval_seconds: 5\n")
        #expect(config.runningTimeoutSeconds == 1500)
        #expect(config.scanIntervalSeconds == 5)
        #expect(config.dispatchTimeoutSeconds == 120)
        #expect(config.defaultTimeout(topic: "job.echo") == nil)
        #expect(try TimeoutConfig.load(path: "/nonexistent.yaml") == TimeoutConfig())
    }

    @Test(arguments: [
        ("24h", 86_400.0), ("1h30m", 5_400.0), ("500ms", 0.5), ("1.5s", 1.5), ("5s", 5.0), ("0", 0.0), ("-2m", -120.0),
    ])
    func goDurations(text: String, seconds: Double) {
        #expect(GoDuration.seconds(text) == seconds)
    }

    @Test func invalidGoDurations() {
        for text in ["", "h", "5", "5x", "1h 2m"] { #expect(GoDuration.seconds(text) == nil, "\(text)") }
    }

    @Test func settingsReadTheDocumentedEnvironment() {
        let s = Settings(environment: [
            "CORETEX_API_KEY": " 'secret' ", "API_KEY": "other", "REDIS_DATA_TTL": "1h", "REDIS_DATA_TTL_SECONDS": "10",
            "JOB_META_TTL_SECONDS": "120", "API_RATE_LIMIT_RPS": "-3", "TENANT_ID": "acme",
        ])
        #expect(s.apiKey == "secret")
        #expect(s.dataTTL == 3600)
        #expect(s.metaTTL == 120)
        #expect(s.rateLimitRPS == 50)
        #expect(s.tenantID == "acme")
        #expect(s.natsURL == "nats://localhost:4222")
        #expect(s.gatewayHTTPAddr == ":8081")
        #expect(Settings(environment: [:]).apiKey == nil)
        #expect(Settings(environment: ["CORETEX_SUPER_SECRET_API_TOKEN": "a", "CORETEX_API_KEY": "b"]).apiKey == "a")
        #expect(s.redisPoolSize == 2)
        #expect(Settings(environment: ["REDIS_POOL_SIZE": "4"]).redisPoolSize == 4)
        #expect(Settings(environment: ["REDIS_POOL_SIZE": "0"]).redisPoolSize == 2)
        #expect(Settings(environment: ["REDIS_POOL_SIZE": "1000"]).redisPoolSize == 64)
    }

    @Test func addresses() {
        #expect(HostPort(":8081") == HostPort(host: "0.0.0.0", port: 8081))
        #expect(HostPort(":8081", defaultHost: "127.0.0.1") == HostPort(host: "127.0.0.1", port: 8081))
        #expect(HostPort("localhost:50051") == HostPort(host: "127.0.0.1", port: 50051))
        #expect(HostPort("nats://10.0.0.1:4222") == HostPort(host: "10.0.0.1", port: 4222))
        #expect(HostPort("nope") == nil)
        #expect(HostPort(":99999") == nil)
    }
}
