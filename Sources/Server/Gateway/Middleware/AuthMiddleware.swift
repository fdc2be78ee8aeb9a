import Hummingbird

/// The static API key (docs/configuration.md): required on every `/api/` path when configured
/// (`/health` and `/ready` stay open for probes).
struct AuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let key: String?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let key, request.uri.path.hasPrefix("/api/"), !APIKey.authorized(request, key: key) {
            throw APIFailure(.unauthorized, "unauthorized", code: "unauthorized")
        }
        return try await next(request, context)
    }
}
