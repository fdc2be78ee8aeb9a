import CoretexCore
import CoretexInfra
import CoretexProtocol
import CoretexRuntime
import Foundation
import Hummingbird
import HummingbirdWebSocket

extension Gateway {
    /// Submit, list, detail, cancel, traces.
    func addJobRoutes(_ router: Router<BasicWebSocketRequestContext>) {
        router.post("/api/v1/jobs") { request, context in
            let key = try self.idempotencyKey(request)
            let body = try await self.body(of: request)
            let submit = try self.decode(SubmitJobRequest.self, from: body)
            return JSONResponse(try await self.submit(submit, sender: Self.senderHTTP, idempotency: (key, body)))
        }

        router.get("/api/v1/jobs") { request, _ in
            JSONResponse(try await self.listJobs(JobQuery(request.uri.queryParameters)))
        }

        router.get("/api/v1/jobs/{id}") { _, context in
            let id = try context.parameters.require("id")
            guard let detail = try await self.storeCall({ try await self.store.detail(id) }) else {
                throw APIFailure.notFound("job not found")
            }
            return JSONResponse(detail)
        }

        router.post("/api/v1/jobs/{id}/cancel") { _, context in
            JSONResponse(try await self.cancel(try context.parameters.require("id")))
        }

        router.get("/api/v1/traces/{id}") { _, context in
            let id = try context.parameters.require("id")
            let records = try await self.storeCall {
                try await self.store.records(try await self.store.traceMembers(id))
            }
            return JSONResponse(records.sorted { ($0.createdAt ?? 0, $0.id) < ($1.createdAt ?? 0, $1.id) })
        }
    }

    /// Validates, records (context + PENDING meta in one round trip) and publishes a job;
    /// with an `Idempotency-Key` (and the body it came with) only the first time.
    func submit(_ body: SubmitJobRequest, sender: String, idempotency: (key: String?, body: Data) = (nil, Data()))
        async throws -> SubmitJobResponse
    {
        let job = try JobSubmission.make(body, defaultTenant: settings.tenantID, pools: pools)
        let created = try await once(
            key: idempotency.key, scope: "jobs", fingerprint: idempotency.body, id: job.request.jobID, traceID: job.traceID
        ) {
            _ = try await self.enqueue(job.request, traceID: job.traceID, context: job.context, sender: sender)
        }
        return SubmitJobResponse(jobID: created.id, traceID: created.traceID)
    }

    /// Records a built job and publishes it (`JobLifecycle.submit`): 503 with a JSON body when
    /// Redis cannot record it, or when the bus refuses it (the job then ends FAILED in the DLQ).
    func enqueue(_ request: Coretex_Agent_V1_JobRequest, traceID: String, context: String?, sender: String) async throws
        -> SubmitJobResponse
    {
        do {
            try await lifecycle.submit(request, traceID: traceID, context: context, as: sender)
        } catch .storeUnavailable(let error as RedisError) {
            throw APIFailure.storeUnavailable(error)
        } catch .storeUnavailable(let error) {
            throw error
        } catch .busRefused {
            throw APIFailure(.serviceUnavailable, "failed to enqueue job", code: "bus_unavailable")
        }
        return SubmitJobResponse(jobID: request.jobID, traceID: traceID)
    }

    /// Cancels a job that has not finished; an unknown id is a 404 and creates nothing.
    func cancel(_ id: String) async throws -> CancelJobResponse {
        let ended = try await storeCall { try await self.lifecycle.end(id, .cancelled(reason: "cancelled via api")) }
        switch ended.outcome {
        case .applied:
            return CancelJobResponse(id: id, state: JobState.cancelled.rawValue)
        case .unchanged:
            return CancelJobResponse(id: id, state: JobState.cancelled.rawValue, reason: "job already terminal")
        case .rejected(let current?):
            return CancelJobResponse(id: id, state: current.rawValue, reason: "job already terminal")
        case .rejected(nil):
            throw APIFailure.notFound("job not found")
        }
    }

    /// The request's body, at most `maxBodyBytes` (413 when larger). A body that ends before
    /// its announced length, or a broken chunked encoding, is the client's error: 400, not 500.
    func body(of request: Request) async throws -> Data {
        do {
            return Data(buffer: try await request.body.collect(upTo: settings.maxBodyBytes))
        } catch let error as any HTTPResponseError {
            throw error
        } catch {
            throw APIFailure.badRequest("request body incomplete", code: "incomplete_body")
        }
    }

    /// Decodes a JSON body of at most `maxBodyBytes`: 413 when larger, 400 `invalid json: …` when
    /// it does not parse (saying where).
    func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        try decode(type, from: try await body(of: request))
    }

    func decode<T: Decodable>(_ type: T.Type, from body: Data) throws -> T {
        do {
            return try JSONValue.decoder().decode(T.self, from: body)
        } catch let error as DecodingError {
            throw APIFailure.badRequest("invalid json: \(Self.describe(error))", code: "invalid_json")
        } catch {
            throw APIFailure.badRequest("invalid json", code: "invalid_json")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ c: DecodingError.Context) -> String {
            let p = c.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return p.isEmpty ? "" : " at \(p)"
        }
        switch error {
        case .dataCorrupted(let c):
            let underlying = (c.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            return (underlying ?? c.debugDescription) + path(c)
        case .typeMismatch(let type, let c): return "expected \(type)\(path(c))"
        case .valueNotFound(let type, let c): return "missing \(type)\(path(c))"
        case .keyNotFound(let key, let c): return "missing key \(key.stringValue)\(path(c))"
        @unknown default: return "\(error)"
        }
    }

    /// Runs a store call, turning a lost Redis connection into 503 with a JSON body.
    @discardableResult
    func storeCall<T>(_ work: () async throws -> T) async throws -> T {
        do {
            return try await work()
        } catch let error as RedisError {
            throw APIFailure.storeUnavailable(error)
        }
    }
}
