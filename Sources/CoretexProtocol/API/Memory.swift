/// `GET /api/v1/memory`: the bytes behind a pointer, in every form a client may want.
public struct MemoryView: Codable, Sendable, Equatable {
    public var pointer: String
    public var key: String
    public var kind: String
    public var sizeBytes: Int
    public var base64: String
    public var text: String?
    public var json: JSONValue?

    public init(
        pointer: String, key: String, kind: String, sizeBytes: Int, base64: String,
        text: String? = nil, json: JSONValue? = nil
    ) {
        self.pointer = pointer
        self.key = key
        self.kind = kind
        self.sizeBytes = sizeBytes
        self.base64 = base64
        self.text = text
        self.json = json
    }

    enum CodingKeys: String, CodingKey { case pointer, key, kind, base64, text, json, sizeBytes = "size_bytes" }
}
