import CoretexInfra
import CoretexTestSupport
import Foundation
import Testing

/// NATS or Redis missing at start, or restarted while running: no crash, every job ends.
@Suite(.serialized) struct ResilienceTests {
    @Test func aRoleWaitsForNATSAndRedisThatAreNotUpYet() async throws {
        let natsPort = LocalServers.freePort(), redisPort = LocalServers.freePort(), httpPort = LocalServers.freePort()
        let dir = NSTemporaryDirectory() + "coretex-late-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var env = ProcessInfo.processInfo.environment
        env["NATS_URL"] = "nats://127.0.0.1:\(natsPort)"
        env["REDIS_URL"] = "redis://127.0.0.1:\(redisPort)"
        env["GATEWAY_HTTP_ADDR"] = "127.0.0.1:\(httpPort)"
        env["GATEWAY_GRPC_ADDR"] = "127.0.0.1:\(LocalServers.freePort())"
        env["GATEWAY_METRICS_ADDR"] = "127.0.0.1:\(LocalServers.freePort())"
        env["POOL_CONFIG_PATH"] = "\(Stack.root)/config/pools.yaml"
        env["API_KEY"] = nil
        let log = "\(dir)/gateway.log"
        let gateway = try ManagedProcess(
            name: "gateway", executable: Stack.binary, arguments: ["gateway"],
            environment: env, logFile: log)
        defer { gateway.stop() }
        func output() -> String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }
        #expect(await eventually { output().contains("Redis not reachable, retrying") })
        // A peer closing a socket under a write raises SIGPIPE, whose default is to end the
        // process; nothing has opened a NIO socket yet (NIO would ignore it as a side effect).
        kill(gateway.pid, SIGPIPE)
        #expect(gateway.isRunning)
        let redis = try LocalServers.startRedis(port: redisPort, directory: dir)
        defer { redis.stop() }
        #expect(await eventually { output().contains("NATS not reachable, retrying") })
        #expect(gateway.isRunning)
        let nats = try LocalServers.startNATS(port: natsPort, directory: dir)
        defer { nats.stop() }
        #expect(await eventually(timeout: .seconds(20)) { LocalServers.canConnect(port: httpPort) })
    }

    @Test func jobsFinishAfterRedisAndNATSRestart() async throws {
        let stack = try await Stack(ownServers: true).ready()
        let (first, _) = try await stack.submit(#"{"topic":"job.echo","prompt":"before"}"#)
        _ = try await stack.waitFor(first, state: "SUCCEEDED")

        stack.externalRedis?.stop()
        stack.externalRedis = try LocalServers.startRedis(port: stack.redisPort, directory: stack.directory)
        // Redis restarted empty; the stack reconnects and keeps serving.
        var afterRedis: String?
        #expect(
            await eventually(timeout: .seconds(20)) {
                if afterRedis == nil { afterRedis = try? await stack.submit(#"{"topic":"job.echo","prompt":"redis"}"#).0 }
                return afterRedis != nil
            })
        _ = try await stack.waitFor(try #require(afterRedis), state: "SUCCEEDED", timeout: .seconds(30))

        stack.externalNATS?.stop()
        stack.externalNATS = try LocalServers.startNATS(port: stack.natsPort, directory: stack.directory)
        #expect(
            await eventually(timeout: .seconds(20)) {
                let status = try? await stack.json("/api/v1/status")
                return (status?["nats"] as? [String: Any])?["connected"] as? Bool == true
            })
        let (afterNATS, _) = try await stack.submit(#"{"topic":"job.echo","prompt":"nats"}"#)
        _ = try await stack.waitFor(afterNATS, state: "SUCCEEDED", timeout: .seconds(30))
    }
}
