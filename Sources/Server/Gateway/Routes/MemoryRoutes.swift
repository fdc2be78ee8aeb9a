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
            let keyKind = MemoryStore.kind(of: key)
            switch keyKind {
            case .context?, .result?:
                kind = keyKind == .context ? "context" : "result"
                guard let value = try await self.storeCall({ try await self.memory.value(key) }) else {
                    throw APIFailure.notFound("not found")
                }
                bytes = value
            case .memory?:
                kind = "memory"
                bytes = try await self.memoryWrapper(key, limit: limit)
            case nil:
                throw APIFailure.badRequest("unsupported pointer key (only ctx:*, res:*, or mem:*)", code: "unsupported_key")
            }
            let text = String(validating: bytes, as: UTF8.self)
            return JSONResponse(
                MemoryView(
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

    /// The store behind `GET /api/v1/memory` (its keys and commands are in CoretexInfra).
    var memory: MemoryStore { MemoryStore(redis: connections.redis) }

    /// A memory key wrapped as JSON by its Redis type; lists, sets and hashes are bounded by
    /// `limit` items (the newest for lists) while `length` stays the true size.
    func memoryWrapper(_ key: String, limit: Int) async throws -> [UInt8] {
        let memory = self.memory
        let type = try await storeCall { try await memory.type(of: key) }
        func decoded(_ v: [UInt8]?) -> JSONValue {
            guard let bytes = v else { return .null }
            if let json = JSONValue.parse(bytes) { return json }
            return .string(String(decoding: bytes, as: UTF8.self))
        }
        let wrapper: JSONValue
        switch type {
        case .none:
            throw APIFailure.notFound("not found")
        case .string:
            let bytes = try await storeCall { try await memory.value(key) ?? [] }
            if let text = String(validating: bytes, as: UTF8.self) {
                wrapper = .object(["redis_type": .string("string"), "value": JSONValue.parse(bytes) ?? .string(text)])
            } else {
                wrapper = .object(["redis_type": .string("string"), "base64": .string(Data(bytes).base64EncodedString())])
            }
        case .list:
            let r = try await storeCall { try await memory.listTail(key, limit: limit) }
            wrapper = .object([
                "redis_type": .string("list"), "length": .number(Double(r.length)),
                "items": .array(r.items.map(decoded)),
            ])
        case .set:
            let r = try await storeCall { try await memory.setSample(key, limit: limit) }
            wrapper = .object([
                "redis_type": .string("set"), "length": .number(Double(r.length)),
                "items": .array(r.items.map(decoded)),
            ])
        case .hash:
            let all = try await storeCall { try await memory.hash(key) }
            var items: [String: JSONValue] = [:]
            for entry in all.fields.prefix(limit) {
                if let field = entry.field { items[field] = decoded(entry.value) }
            }
            wrapper = .object([
                "redis_type": .string("hash"), "length": .number(Double(all.length)),
                "items": .object(items),
            ])
        case .other(let type):
            throw APIFailure.badRequest("unsupported redis key type: \(type)", code: "unsupported_type")
        }
        return Array(try JSONEncoder.sorted.encode(wrapper))
    }
}
