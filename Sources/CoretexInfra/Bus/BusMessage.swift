/// One message received from the bus.
public struct BusMessage: Sendable {
    public let subject: String
    public let reply: String?
    public let data: [UInt8]
    /// Set on a message from a durable consumer: settle it once its effect is recorded.
    public let delivery: BusDelivery?

    public init(subject: String, reply: String? = nil, data: [UInt8], delivery: BusDelivery? = nil) {
        self.subject = subject
        self.reply = reply
        self.data = data
        self.delivery = delivery
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
