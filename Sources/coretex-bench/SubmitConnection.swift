import NIOCore
import NIOPosix

/// The load generator's HTTP/1.1 client: one keep-alive connection that sends a fixed
/// `POST /api/v1/jobs` and reads the job id out of each response, in the spirit of `wrk`.
///
/// The bench measures the stack, and the generator shares its two cores: AsyncHTTPClient's
/// general machinery (pools, state machines, header objects) cost about a third as much CPU
/// per job as the whole gateway, so figures were partly a measure of the client. Requests and
/// responses are still real HTTP over TCP; the gateway sees what any client would send.
final class SubmitConnection: Sendable {
    /// One event loop thread for every connection: the generator should not compete with the
    /// stack for more threads than it needs.
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    private let channel: any Channel
    private let handler: NIOLoopBound<ResponseHandler>
    private let request: ByteBuffer

    private init(channel: any Channel, handler: NIOLoopBound<ResponseHandler>, request: ByteBuffer) {
        self.channel = channel
        self.handler = handler
        self.request = request
    }

    static func connect(port: Int, body: String) async throws -> SubmitConnection {
        let channel = try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(ResponseHandler()) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        let handler = try await channel.eventLoop.submit {
            NIOLoopBound(try channel.pipeline.syncOperations.handler(type: ResponseHandler.self), eventLoop: channel.eventLoop)
        }.get()
        let request = ByteBuffer(
            string:
                "POST /api/v1/jobs HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: application/json\r\n"
                + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)")
        return SubmitConnection(channel: channel, handler: handler, request: request)
    }

    /// Submits the job and returns its id (the `job_id` of the 2xx response). Fails when the
    /// connection is closed or the gateway does not answer within 30 s.
    func submit() async throws -> String {
        let loop = channel.eventLoop
        let promise = loop.makePromise(of: String.self)
        loop.execute { [self] in
            guard channel.isActive else {
                promise.fail(BenchError("connection closed by the gateway"))
                return
            }
            handler.value.expect(promise)
            let timeout = loop.scheduleTask(in: .seconds(30)) { [handler, channel] in
                handler.value.fail(BenchError("no answer from the gateway in 30 s"))
                channel.close(promise: nil)  // a late answer must not be taken for the next one's
            }
            promise.futureResult.whenComplete { _ in timeout.cancel() }
            let written = loop.makePromise(of: Void.self)
            written.futureResult.whenFailure { [handler] in handler.value.fail($0) }
            channel.writeAndFlush(request, promise: written)
        }
        return try await promise.futureResult.get()
    }

    func close() {
        channel.close(promise: nil)
    }
}

/// Reads one response at a time: headers up to the blank line, then `Content-Length` bytes.
private final class ResponseHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private var buffer = ByteBuffer()
    private var waiting: EventLoopPromise<String>?

    func expect(_ promise: EventLoopPromise<String>) {
        waiting = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        buffer.writeBuffer(&incoming)
        while let response = nextResponse() {
            let promise = waiting
            waiting = nil
            switch response {
            case .success(let id): promise?.succeed(id)
            case .failure(let error): promise?.fail(error)
            }
        }
    }

    /// Fails the response awaited, if any.
    func fail(_ error: any Error) {
        waiting?.fail(error)
        waiting = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(BenchError("connection closed by the gateway"))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error)
        context.close(promise: nil)
    }

    /// The next complete response in the buffer, consumed; nil while one is incomplete.
    /// Byte scanning on purpose: this runs once per job on the generator's one thread.
    private func nextResponse() -> Result<String, BenchError>? {
        let parsed = buffer.withUnsafeReadableBytes { bytes -> (consumed: Int, Result<String, BenchError>)? in
            guard let headerEnd = Self.find(Self.blankLine, in: bytes, from: 0) else { return nil }
            let bodyStart = headerEnd + 4
            var length = 0
            var line = 0
            while let next = Self.find(Self.lineEnd, in: bytes, from: line), next < headerEnd {
                line = next + 2
                if Self.hasPrefix(Self.contentLength, in: bytes, at: line) {
                    var i = line + Self.contentLength.count
                    while i < headerEnd, bytes[i] == UInt8(ascii: " ") { i += 1 }
                    while i < headerEnd, (48...57).contains(bytes[i]) { length = length * 10 + Int(bytes[i] - 48); i += 1 }
                }
            }
            guard bytes.count - bodyStart >= length else { return nil }
            let body = UnsafeRawBufferPointer(rebasing: bytes[bodyStart..<bodyStart + length])
            let ok = bytes.count > 9 && bytes[9] == UInt8(ascii: "2")
            if ok, let key = Self.find(Self.jobIDKey, in: body, from: 0),
                let close = body[(key + Self.jobIDKey.count)...].firstIndex(of: UInt8(ascii: "\""))
            {
                return (bodyStart + length, .success(String(decoding: body[(key + Self.jobIDKey.count)..<close], as: UTF8.self)))
            }
            let status = String(decoding: bytes[..<(Self.find(Self.lineEnd, in: bytes, from: 0) ?? 0)], as: UTF8.self)
            return (bodyStart + length, .failure(BenchError("submit failed: \(status) \(String(decoding: body, as: UTF8.self))")))
        }
        guard let (consumed, result) = parsed else { return nil }
        buffer.moveReaderIndex(forwardBy: consumed)
        buffer.discardReadBytes()
        return result
    }

    private static let blankLine = Array("\r\n\r\n".utf8)
    private static let lineEnd = Array("\r\n".utf8)
    private static let contentLength = Array("content-length:".utf8)
    private static let jobIDKey = Array(#""job_id":""#.utf8)  // job ids are UUIDs: nothing to unescape

    private static func find(_ needle: [UInt8], in bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard bytes.count >= needle.count else { return nil }
        var i = start
        while i <= bytes.count - needle.count {
            if bytes[i] == needle[0], hasPrefix(needle, in: bytes, at: i) { return i }
            i += 1
        }
        return nil
    }

    /// Case-insensitive for letters (header names), exact otherwise.
    private static func hasPrefix(_ prefix: [UInt8], in bytes: UnsafeRawBufferPointer, at start: Int) -> Bool {
        guard bytes.count - start >= prefix.count else { return false }
        for (k, expected) in prefix.enumerated() {
            var b = bytes[start + k]
            if (65...90).contains(b) { b += 32 }
            if b != expected { return false }
        }
        return true
    }
}
