/// One message received from the bus.
public struct BusMessage: Sendable {
    public let subject: String
    public let reply: String?
    public let data: [UInt8]

    public init(subject: String, reply: String? = nil, data: [UInt8]) {
        self.subject = subject
        self.reply = reply
        self.data = data
    }
}

/// An error of the bus, with nats.c's status text.
public struct BusError: Error, CustomStringConvertible, Sendable {
    public let operation: String
    public let text: String
    public var description: String { "nats \(operation): \(text)" }

    public init(operation: String, text: String) {
        self.operation = operation
        self.text = text
    }
}
