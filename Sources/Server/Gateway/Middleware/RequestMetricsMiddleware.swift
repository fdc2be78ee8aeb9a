import Dispatch
import Hummingbird
import Metrics
import Synchronization

/// `coretex_api_gateway_http_requests_total{method,route,status}` and the request duration
/// histogram, labelled with the route pattern (`/api/v1/jobs/{id}`), for every answered
/// request, errors included.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Metric handles by label set: making one asks the metrics backend to look the series up
    /// (a lock, label validation, a dictionary), which showed on every request in profiles.
    private let handles = Handles()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.uri.path != "/health" else { return try await next(request, context) }
        let start = DispatchTime.now().uptimeNanoseconds
        let status: HTTPResponse.Status
        do {
            let response = try await next(request, context)
            status = response.status
            record(request, context, status, start)
            return response
        } catch let error as any HTTPResponseError {
            record(request, context, error.status, start)
            throw error
        } catch {
            record(request, context, .internalServerError, start)
            throw error
        }
    }

    private func record(_ request: Request, _ context: Context, _ status: HTTPResponse.Status, _ start: UInt64) {
        let (counter, timer) = handles.get(
            method: request.method.rawValue, route: context.endpointPath ?? "unmatched",
            status: status.code)
        counter.increment()
        timer.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - start))
    }

    private final class Handles: Sendable {
        private struct Key: Hashable {
            let method: String
            let route: String
            let status: Int
        }

        private let cache = Mutex<[Key: (Counter, Timer)]>([:])

        func get(method: String, route: String, status: Int) -> (Counter, Timer) {
            let key = Key(method: method, route: route, status: status)
            if let found = cache.withLock({ $0[key] }) { return found }
            let made = (
                Counter(
                    label: "coretex_api_gateway_http_requests_total",
                    dimensions: [("method", method), ("route", route), ("status", String(status))]),
                Timer(
                    label: "coretex_api_gateway_http_request_duration_seconds",
                    dimensions: [("method", method), ("route", route)], preferredDisplayUnit: .seconds)
            )
            cache.withLock { $0[key] = made }
            return made
        }
    }
}
