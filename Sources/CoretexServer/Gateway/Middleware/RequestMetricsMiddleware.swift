import Dispatch
import Hummingbird
import Metrics

/// `coretex_api_gateway_http_requests_total{method,route,status}` and the request duration
/// histogram, labelled with the route pattern (`/api/v1/jobs/{id}`), for every answered
/// request, errors included.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
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
        let route = context.endpointPath ?? "unmatched"
        let method = request.method.rawValue
        Counter(label: "coretex_api_gateway_http_requests_total",
                dimensions: [("method", method), ("route", route), ("status", String(status.code))]).increment()
        Timer(label: "coretex_api_gateway_http_request_duration_seconds",
              dimensions: [("method", method), ("route", route)], preferredDisplayUnit: .seconds)
            .recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - start))
    }
}
