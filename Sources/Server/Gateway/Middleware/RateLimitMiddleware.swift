import Foundation
import Hummingbird
import Synchronization

/// Token buckets (`API_RATE_LIMIT_RPS` refill, `API_RATE_LIMIT_BURST` capacity) per client
/// key, checked after authentication, so an unauthenticated flood cannot spend the budget of
/// real clients. 429 carries `Retry-After`.
struct RateLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    let limiter: RateLimiter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.uri.path.hasPrefix("/api/"), request.method != .options else { return try await next(request, context) }
        let client = APIKey.presented(in: request) ?? "anonymous"
        guard limiter.take(client) else { throw APIFailure(.tooManyRequests, "rate limited", code: "rate_limited") }
        return try await next(request, context)
    }
}

final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: Date
    }

    private let buckets = Mutex<[String: Bucket]>([:])
    let rate: Double
    let burst: Double

    init(rps: Int, burst: Int) {
        self.rate = Double(max(rps, 1))
        self.burst = Double(max(burst, 1))
    }

    func take(_ client: String, now: Date = Date()) -> Bool {
        buckets.withLock { buckets in
            var bucket = buckets[client] ?? Bucket(tokens: burst, updated: now)
            bucket.tokens = min(burst, bucket.tokens + now.timeIntervalSince(bucket.updated) * rate)
            bucket.updated = now
            let allowed = bucket.tokens >= 1
            if allowed { bucket.tokens -= 1 }
            if buckets.count > 10_000 { buckets.removeAll() }  // bounded: a key spray cannot grow this
            buckets[client] = bucket
            return allowed
        }
    }
}
