import CoretexProtocol
import Foundation
import Hummingbird

/// An HTTP error with the API's JSON body `{"error": "...", "code": "..."}`.
struct APIFailure: HTTPResponseError {
    let status: HTTPResponse.Status
    let body: APIError

    init(_ status: HTTPResponse.Status, _ message: String, code: String) {
        self.status = status
        self.body = APIError(message, code: code)
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try JSONResponse(body, status: status).response(from: request, context: context)
        // Both are worth retrying: the rate recovers, and so does a store or bus that is away.
        if status == .tooManyRequests || status == .serviceUnavailable { response.headers[.retryAfter] = "1" }
        return response
    }

    static func badRequest(_ message: String, code: String = "bad_request") -> APIFailure {
        APIFailure(.badRequest, message, code: code)
    }

    static func notFound(_ message: String) -> APIFailure { APIFailure(.notFound, message, code: "not_found") }

    static func storeUnavailable(_ error: any Error) -> APIFailure {
        APIFailure(.serviceUnavailable, "store unavailable: \(error)", code: "store_unavailable")
    }
}

/// A JSON body with `Content-Type: application/json` (keys sorted, for stable output).
struct JSONResponse<Body: Encodable & Sendable>: ResponseGenerator {
    let body: Body
    let status: HTTPResponse.Status

    init(_ body: Body, status: HTTPResponse.Status = .ok) {
        self.body = body
        self.status = status
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let buffer: ByteBuffer
        if let text = (body as? any JSONTextBody)?.jsonText {
            buffer = ByteBuffer(string: text + "\n")
        } else {
            var data = try JSONEncoder.sorted.encode(body)
            data.append(UInt8(ascii: "\n"))
            buffer = ByteBuffer(bytes: data)
        }
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: buffer))
    }
}

/// A response body that writes its own JSON, the document `JSONEncoder.sorted` would write:
/// for the answer to every submit, where the encoder showed in profiles.
protocol JSONTextBody {
    var jsonText: String { get }
}

extension SubmitJobResponse: JSONTextBody {
    var jsonText: String { #"{"job_id":\#(JSONText.quoted(jobID)),"trace_id":\#(JSONText.quoted(traceID))}"# }
}
