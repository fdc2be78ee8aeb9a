import CoretexInfra
import CoretexProtocol
import CoretexRuntime
import Foundation
import Hummingbird
import HummingbirdWebSocket

extension Gateway {
    /// `/health`, `/ready`, `/api/v1/status`, `/api/v1/workers`.
    func addSystemRoutes(_ router: Router<BasicWebSocketRequestContext>) {
        router.get("/health") { _, _ in "ok" }

        // Readiness: 200 only when the bus and the store answer, so probes wait for both.
        router.get("/ready") { _, _ -> Response in
            let redisOK = (try? await self.connections.redis.ping()) != nil
            let ok = redisOK && self.bus.isConnected
            return Response(status: ok ? .ok : .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: ok ? "ok" : "not ready")))
        }

        router.get("/api/v1/status") { _, _ in
            var redis = StatusResponse.Redis(ok: true, error: "")
            do { try await self.connections.redis.ping() } catch { redis = .init(ok: false, error: "\(error)") }
            let status = StatusResponse(
                time: UnixTime.rfc3339(fractional: false),
                uptimeSeconds: Int(Date().timeIntervalSince(self.started)),
                nats: .init(connected: self.bus.isConnected, status: self.bus.status, url: self.bus.displayURL),
                redis: redis,
                workers: .init(count: self.workers.count))
            return JSONResponse(status)
        }

        router.get("/api/v1/workers") { _, _ in
            let now = Date()
            let list = self.workers.live(at: now).map { entry -> WorkerInfo in
                let hb = entry.heartbeat
                var info = WorkerInfo(
                    workerID: hb.workerID, lastSeen: Int(entry.seen.timeIntervalSince1970),
                    ageSeconds: (now.timeIntervalSince(entry.seen) * 10).rounded() / 10)
                info.region = hb.region.isEmpty ? nil : hb.region
                info.type = hb.type.isEmpty ? nil : hb.type
                info.cpuLoad = hb.cpuLoad == 0 ? nil : hb.cpuLoad
                info.gpuUtilization = hb.gpuUtilization == 0 ? nil : hb.gpuUtilization
                info.activeJobs = hb.activeJobs == 0 ? nil : hb.activeJobs
                info.capabilities = hb.capabilities.isEmpty ? nil : hb.capabilities
                info.pool = hb.pool.isEmpty ? nil : hb.pool
                info.maxParallelJobs = hb.maxParallelJobs == 0 ? nil : hb.maxParallelJobs
                info.labels = hb.labels.isEmpty ? nil : hb.labels
                return info
            }
            return JSONResponse(list)
        }
    }
}
