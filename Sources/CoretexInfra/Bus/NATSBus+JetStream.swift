import CNATS
import Foundation

/// Durable delivery over JetStream (docs/durability.md): the streams of `JobStreams`, their
/// consumers, and publishing that waits for the server to store the message.
extension NATSBus {
    /// Creates the streams, or brings their settings up to date; safe to run from every
    /// process at start. `replicas` is the copies a cluster keeps of each (1 on one server).
    static func declareStreams(_ js: OpaquePointer, replicas: Int) throws {
        for stream in JobStreams.all {
            try withCStrings(stream.subjects) { subjects in
                var config = jsStreamConfig()
                jsStreamConfig_Init(&config)
                return try stream.name.withCString { name in
                    config.Name = name
                    config.Subjects = subjects.baseAddress
                    config.SubjectsLen = Int32(stream.subjects.count)
                    config.Retention = js_WorkQueuePolicy
                    config.Storage = js_FileStorage
                    config.MaxAge = stream.maxAge.nanoseconds
                    config.MaxBytes = stream.maxBytes > 0 ? stream.maxBytes : -1
                    config.MaxMsgsPerSubject = stream.maxMessagesPerSubject > 0 ? stream.maxMessagesPerSubject : -1
                    config.Discard = stream.discardNew ? js_DiscardNew : js_DiscardOld
                    config.Duplicates = JobStreams.duplicateWindow.nanoseconds
                    config.Replicas = Int64(max(replicas, 1))
                    var code = jsErrCode(0)
                    var status = js_AddStream(nil, js, &config, nil, &code)
                    if status != NATS_OK && code == JSStreamNameExistErr {
                        status = js_UpdateStream(nil, js, &config, nil, &code)
                    }
                    if code == JSNotEnabledErr || code == JSNotEnabledForAccountErr {
                        throw BusError(
                            operation: "declare stream \(stream.name)",
                            text: "JetStream is not enabled on nats-server (start it with -js, or set BUS_DURABLE=off)")
                    }
                    try check(status, "declare stream \(stream.name) (\(code.rawValue))")
                }
            }
        }
    }

    /// Creates a durable push consumer, or updates its settings (a consumer's delivery
    /// subject and group cannot change, so those are fixed by its name).
    static func declare(_ consumer: DurableConsumer, js: OpaquePointer) throws {
        let deliver = "coretex.deliver.\(consumer.name)"
        try consumer.stream.withCString { stream in
            try consumer.name.withCString { name in
                try consumer.subject.withCString { subject in
                    try deliver.withCString { deliverSubject in
                        try (consumer.queue ?? "").withCString { group in
                            var config = jsConsumerConfig()
                            jsConsumerConfig_Init(&config)
                            config.Durable = name
                            config.FilterSubject = subject
                            config.DeliverSubject = deliverSubject
                            if consumer.queue != nil { config.DeliverGroup = group }
                            config.AckPolicy = js_AckExplicit
                            config.DeliverPolicy = js_DeliverAll
                            config.AckWait = consumer.ackWait.nanoseconds
                            config.MaxDeliver = Int64(consumer.maxDeliver)
                            config.MaxAckPending = Int64(consumer.maxAckPending)
                            if let idle = consumer.inactiveThreshold { config.InactiveThreshold = idle.nanoseconds }
                            var code = jsErrCode(0)
                            var status = js_AddConsumer(nil, js, stream, &config, nil, &code)
                            if status != NATS_OK && (code == JSConsumerNameExistErr || code == JSConsumerCreateErr) {
                                status = js_UpdateConsumer(nil, js, stream, &config, nil, &code)
                            }
                            try check(status, "declare consumer \(consumer.name) (\(code.rawValue))")
                        }
                    }
                }
            }
        }
    }
}

extension Duration {
    var nanoseconds: Int64 { components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000 }
}

/// Runs `body` with `strings` as a C array of C strings, valid for the call.
func withCStrings<T>(_ strings: [String], _ body: (UnsafeMutableBufferPointer<UnsafePointer<CChar>?>) throws -> T)
    rethrows -> T
{
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    var pointers = copies.map { UnsafePointer($0) }
    return try pointers.withUnsafeMutableBufferPointer { try body($0) }
}
