import Hummingbird
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Answers what the HTTP parser refuses (an unknown method, a garbage request line, headers
/// over the limit, a NUL in a header, conflicting `Content-Length` and `Transfer-Encoding`, a
/// broken chunk) with a 400 and the API's JSON error, then closes the connection: a client
/// that sent bytes the parser cannot frame cannot be read further (docs/http-api.md, "Bad
/// connections"). When the parser fails inside a request the route is already answering,
/// the route's own error goes out and the connection closes after it.
final class MalformedRequestHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// A request head was read and its response has not ended.
    private var requestOpen = false
    private var closeAfterResponse = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) { requestOpen = true }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .end = unwrapOutboundIn(data) else { return context.write(data, promise: promise) }
        requestOpen = false
        guard closeAfterResponse else { return context.write(data, promise: promise) }
        context.writeAndFlush(data).whenComplete { _ in context.close(promise: nil) }
        promise?.succeed()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parse = error as? HTTPParserError else { return context.fireErrorCaught(error) }
        if requestOpen {
            // The route sees its body fail and answers; nothing can be read after this.
            closeAfterResponse = true
            return context.fireErrorCaught(error)
        }
        let body = ByteBuffer(string: #"{"code":"bad_request","error":"malformed HTTP request (\#(parse))"}"# + "\n")
        var head = HTTPResponse(status: .badRequest)
        head.headerFields[.contentType] = "application/json"
        head.headerFields[.contentLength] = String(body.readableBytes)
        head.headerFields[.connection] = "close"
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in context.close(promise: nil) }
    }
}
