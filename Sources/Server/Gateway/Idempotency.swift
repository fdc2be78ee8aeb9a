import CoretexCore
import CoretexInfra
import CoretexProtocol
import Crypto
import Foundation
import Hummingbird

/// `Idempotency-Key` on the routes that create work (docs/http-api.md, "Idempotent
/// requests"): the same key within 24 hours answers with what the first request created and
/// creates nothing; the same key with a different body is a 409.
extension Gateway {
    /// The request's key, if it has one: 1 to 255 printable ASCII characters.
    func idempotencyKey(_ request: Request) throws(APIFailure) -> String? {
        guard let key = request.headers[.init("Idempotency-Key")!]?.trimmingCharacters(in: .whitespaces), !key.isEmpty
        else { return nil }
        guard key.utf8.count <= 255, key.unicodeScalars.allSatisfy({ (0x21...0x7e).contains($0.value) }) else {
            throw .badRequest("Idempotency-Key must be 1 to 255 printable ASCII characters", code: "invalid_idempotency_key")
        }
        return key
    }

    /// The same JSON written the same way (keys sorted, no insignificant white space): two
    /// clients, or two runs of one client, may order an object's keys differently. Bytes that
    /// are not one JSON document count as they are.
    static func canonical(_ bytes: Data) -> Data {
        guard let value = JSONValue.parse(bytes), let text = try? JSONEncoder.sorted.encode(value) else { return bytes }
        return text
    }

    /// Runs `create` (which creates `id`) unless `key` already created something: then it
    /// returns that thing's id and trace instead. `scope` names what the route creates;
    /// `fingerprint` is what makes two requests the same (the body as sent, and the target).
    func once(
        key: String?, scope: String, fingerprint: Data, id: String, traceID: String, create: () async throws -> Void
    ) async throws -> (id: String, traceID: String) {
        guard let key else {
            try await create()
            return (id, traceID)
        }
        let digest = SHA256.hash(data: Self.canonical(fingerprint)).map { String(format: "%02x", $0) }.joined()
        let keys = IdempotencyKeys(redis: connections.redis)
        switch try await storeCall({
            try await keys.claim(scope: scope, key: key, fingerprint: digest, id: id, traceID: traceID)
        }) {
        case .claimed:
            do {
                try await create()
            } catch {
                try? await keys.release(scope: scope, key: key, id: id)
                throw error
            }
            do {
                try await keys.complete(scope: scope, key: key, fingerprint: digest, id: id, traceID: traceID)
            } catch {
                // Created, but the key could not be marked: it expires with its claim, and a retry
                // after that creates again. Said in the log, since the client saw success.
                logger.warning("idempotency key not recorded", metadata: ["key": "\(key)", "id": "\(id)", "error": "\(error)"])
            }
            return (id, traceID)
        case .replay(let first, let trace):
            return (first, trace)
        case .inProgress:
            throw APIFailure(
                .conflict, "a request with Idempotency-Key \(key) is still being processed; retry shortly",
                code: "idempotency_in_progress")
        case .conflict:
            throw APIFailure(
                .conflict, "Idempotency-Key \(key) was already used with a different request", code: "idempotency_conflict")
        }
    }
}
