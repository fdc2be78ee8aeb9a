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

    /// A request head was read and its body has not ended.
    private var readingRequest = false
    /// A request head was read and its response has not ended.
    private var answering = false
    private var closeAfterResponse = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: (readingRequest, answering) = (true, true)
        case .end: readingRequest = false
        case .body: break
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .end = unwrapOutboundIn(data) else { return context.write(data, promise: promise) }
        answering = false
        guard closeAfterResponse else { return context.write(data, promise: promise) }
        let written = context.eventLoop.makePromise(of: Void.self)
        written.futureResult.cascade(to: promise)
        written.futureResult.whenComplete { _ in context.close(promise: nil) }
        context.writeAndFlush(data, promise: written)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parse = error as? HTTPParserError else { return context.fireErrorCaught(error) }
        if answering || readingRequest {
            // The route answers (it sees its body fail, or it answered already); nothing can be
            // read after this, so the connection closes once that answer is out.
            closeAfterResponse = true
            if !answering { context.close(promise: nil) }
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
