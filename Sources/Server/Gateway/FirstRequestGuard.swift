import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOHTTP1
import NIOWebSocket

/// The gateway's HTTP channel (HTTP/1.1 with the WebSocket upgrade) with a guard for the time
/// before its first request head is parsed. Until then the channel has no handler that
/// answers a parse error or notices silence — the upgrade decision waits for a head — so a
/// garbage request line would get nothing and an idle connection would be held for ever.
/// `FirstRequestGuard` answers the one (400) and closes the other after `timeout`; from the
/// first request on, `MalformedRequestHandler` and Hummingbird's idle timeout take over.
struct GuardedHTTPChannel<Base: HTTPChannelHandler>: HTTPChannelHandler {
    let base: Base
    let timeout: TimeAmount

    var responder: Responder { base.responder }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Base.Value> {
        base.setup(channel: channel, logger: logger).flatMapThrowing { value in
            try channel.pipeline.syncOperations.addHandler(FirstRequestGuard(timeout: timeout))
            return value
        }
    }

    func handle(value: Base.Value, logger: Logger) async { await base.handle(value: value, logger: logger) }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 with the WebSocket upgrade, guarded until the first request (see `GuardedHTTPChannel`).
    static func guardedHTTP1WebSocketUpgrade<WSRouter: HTTPResponderBuilder & _HB_SendableMetatype>(
        webSocketRouter: WSRouter, configuration: HTTP1WebSocketUpgradeChannel.Configuration, timeout: TimeAmount
    ) -> HTTPServerBuilder where WSRouter.Responder.Context: WebSocketRequestContext {
        let webSocketResponder = webSocketRouter.buildResponder()
        return .init { responder in
            GuardedHTTPChannel(
                base: HTTP1WebSocketUpgradeChannel(
                    responder: responder, webSocketResponder: webSocketResponder, configuration: configuration),
                timeout: timeout)
        }
    }
}

/// At the end of the pipeline as first set up: answers a parse error before the first request
/// head with a 400 and the API's JSON error and closes; closes a connection that sent no
/// complete request head within `timeout`; leaves as soon as a request (or an upgraded
/// WebSocket) is under way.
final class FirstRequestGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = Any
    typealias OutboundOut = HTTPServerResponsePart

    let timeout: TimeAmount
    private var timer: Scheduled<Void>?

    init(timeout: TimeAmount) { self.timeout = timeout }

    func handlerAdded(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: timeout) { [self] in timedOut(loopBound.value) }
    }

    func handlerRemoved(context: ChannelHandlerContext) { timer?.cancel() }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // The first request's parts (or WebSocket bytes) reach here: someone else answers now.
        context.fireChannelRead(data)
        leave(context)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parse = error as? HTTPParserError else { return context.fireErrorCaught(error) }
        let body = ByteBuffer(string: #"{"code":"bad_request","error":"malformed HTTP request (\#(parse))"}"# + "\n")
        let headers = HTTPHeaders([
            ("Content-Type", "application/json"), ("Content-Length", String(body.readableBytes)), ("Connection", "close"),
        ])
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .badRequest, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { [self] _ in close(context) }
    }

    private func timedOut(_ context: ChannelHandlerContext) {
        timer = nil
        if (try? context.pipeline.syncOperations.handler(type: ByteToMessageHandler<WebSocketFrameDecoder>.self)) != nil {
            return leave(context)  // upgraded: the WebSocket keeps its own time
        }
        close(context)
    }

    /// Closes as a client going away would look to the upgrade handler (input closed), which
    /// the HTTP channel treats as routine; a bare close is reported as an error per connection.
    private func close(_ context: ChannelHandlerContext) {
        context.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        context.close(promise: nil)
    }

    private func leave(_ context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}
