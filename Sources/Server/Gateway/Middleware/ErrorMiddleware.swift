import Hummingbird
import Logging

/// Outermost layer: every error leaves as the API's JSON error body, including the router's
/// own 404/405 and body-size errors, and an unexpected error never leaks internals.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let failure as APIFailure {
            throw failure
        } catch let error as HTTPError {
            throw APIFailure(error.status, error.body ?? Self.message(error.status), code: Self.code(error.status))
        } catch let error as any HTTPResponseError {
            if error.status == .contentTooLarge {
                throw APIFailure(.contentTooLarge, "request body too large", code: "body_too_large")
            }
            throw APIFailure(error.status, Self.message(error.status), code: Self.code(error.status))
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            throw APIFailure(.internalServerError, "internal error", code: "internal")
        }
    }

    static func message(_ status: HTTPResponse.Status) -> String {
        switch status {
        case .notFound: "no such route"
        case .methodNotAllowed: "method not allowed"
        default: status.reasonPhrase.lowercased()
        }
    }

    static func code(_ status: HTTPResponse.Status) -> String {
        switch status {
        case .notFound: "not_found"
        case .methodNotAllowed: "method_not_allowed"
        case .badRequest: "bad_request"
        case .contentTooLarge: "body_too_large"
        default: "http_\(status.code)"
        }
    }
}
