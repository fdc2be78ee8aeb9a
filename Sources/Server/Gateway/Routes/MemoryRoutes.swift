import CoretexInfra
import CoretexProtocol
import Foundation
import Hummingbird
import HummingbirdWebSocket

extension Gateway {
    /// `GET /api/v1/memory?ptr=redis://…` or `?key=…`: inspect a context, result or memory key.
    func addMemoryRoutes(_ router: Router<BasicWebSocketRequestContext>) {
        router.get("/api/v1/memory") { request, _ in
            let q = request.uri.queryParameters
            let limit = q.get("limit").flatMap { Int($0) }.map { min(max($0, 1), 10_000) } ?? 1000
            let (pointer, key) = try Self.resolvePointer(ptr: q.get("ptr").map { String($0) }, key: q.get("key").map { String($0) })
            let kind: String
            let bytes: [UInt8]
            if key.hasPrefix("ctx:") || key.hasPrefix("res:") {
                kind = key.hasPrefix("ctx:") ? "context" : "result"
                guard let value = try await self.storeCall({ try await self.connections.redis.command("GET", key).bytes }) else {
                    throw APIFailure.notFound("not found")
                }
                bytes = value
            } else if key.hasPrefix("mem:") {
                kind = "memory"
                bytes = try await self.memoryWrapper(key, limit: limit)
            } else {
                throw APIFailure.badRequest("unsupported pointer key (only ctx:*, res:*, or mem:*)", code: "unsupported_key")
            }
            let text = String(validating: bytes, as: UTF8.self)
            return JSONResponse(MemoryView(
                pointer: pointer, key: key, kind: kind, sizeBytes: bytes.count,
                base64: Data(bytes).base64EncodedString(), text: text, json: JSONValue.parse(bytes)))
        }
    }

    static func clean(_ value: String?) -> String? {
        guard let v = value?.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"'")),
            !v.isEmpty
        else { return nil }
        return v
    }

    /// The pointer/key rules of `GET /api/v1/memory` (docs/http-api.md, "Memory").
    static func resolvePointer(ptr rawPtr: String?, key rawKey: String?) throws -> (pointer: String, key: String) {
        let ptr = clean(rawPtr)
        let key = clean(rawKey)
        if ptr == nil, key == nil { throw APIFailure.badRequest("missing ptr or key", code: "missing_pointer") }
        if let key {
            if key.hasPrefix("redis://") {
                guard let k = JobKeys.key(fromPointer: key) else {
                    throw APIFailure.badRequest("invalid key pointer", code: "invalid_pointer")
                }
                return (key, k)
            }
            return (ptr ?? JobKeys.pointer(key), key)
        }
        guard let ptr, let k = JobKeys.key(fromPointer: ptr) else {
            throw APIFailure.badRequest("invalid pointer", code: "invalid_pointer")
        }
        return (ptr, k)
    }

    /// A `mem:` key wrapped as JSON by its Redis type; lists, sets and hashes are bounded by
    /// `limit` items (the newest for lists) while `length` stays the true size.
    func memoryWrapper(_ key: String, limit: Int) async throws -> [UInt8] {
        let redis = connections.redis
        let type = try await storeCall { try await redis.command("TYPE", key).text ?? "none" }
        func decoded(_ v: RedisValue) -> JSONValue {
            guard let bytes = v.bytes else { return .null }
            if let json = JSONValue.parse(bytes) { return json }
            return .string(String(decoding: bytes, as: UTF8.self))
        }
        let wrapper: JSONValue
        switch type {
        case "none":
            throw APIFailure.notFound("not found")
        case "string":
            let bytes = try await storeCall { try await redis.command("GET", key).bytes ?? [] }
            if let text = String(validating: bytes, as: UTF8.self) {
                wrapper = .object(["redis_type": .string("string"), "value": JSONValue.parse(bytes) ?? .string(text)])
            } else {
                wrapper = .object(["redis_type": .string("string"), "base64": .string(Data(bytes).base64EncodedString())])
            }
        case "list":
            let r = try await storeCall { try await redis.pipeline([["LLEN", key], ["LRANGE", key, String(-limit), "-1"]]) }
            wrapper = .object(["redis_type": .string("list"), "length": .number(Double(r[0].int ?? 0)),
                               "items": .array(r[1].array.map(decoded))])
        case "set":
            let r = try await storeCall {
                try await redis.pipeline([["SCARD", key], ["SRANDMEMBER", key, String(limit)]])
            }
            wrapper = .object(["redis_type": .string("set"), "length": .number(Double(r[0].int ?? 0)),
                               "items": .array(r[1].array.map(decoded))])
        case "hash":
            let all = try await storeCall { try await redis.command("HGETALL", key).array }
            var items: [String: JSONValue] = [:]
            for i in stride(from: 0, to: min(all.count - 1, limit * 2), by: 2) {
                if let field = all[i].text { items[field] = decoded(all[i + 1]) }
            }
            wrapper = .object(["redis_type": .string("hash"), "length": .number(Double(all.count / 2)),
                               "items": .object(items)])
        default:
            throw APIFailure.badRequest("unsupported redis key type: \(type)", code: "unsupported_type")
        }
        return Array(try JSONEncoder.sorted.encode(wrapper))
    }
}
