import NIOCore

/// First on every gRPC connection: closes it unless a call (an HTTP/2 stream) opens within
/// `timeout` of its accept — a client that connects and says nothing, or never speaks HTTP/2,
/// or stops after the preface, holds no descriptor past the idle timeout. Once a call opens it
/// leaves, and the transport's own keepalive and idle limits take over (see `GRPCEndpoint`).
final class FirstCallGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    let timeout: TimeAmount
    private var timer: Scheduled<Void>?

    init(timeout: TimeAmount) { self.timeout = timeout }

    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        timer = context.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
    }

    func handlerRemoved(context: ChannelHandlerContext) { timer?.cancel() }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) { context.fireChannelRead(data) }

    /// A call opened on the connection this guard watches.
    func callOpened(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    /// The transport's hooks: the guard goes in when a connection is accepted and out when
    /// its first stream opens.
    static func callbacks(timeout: TimeAmount) -> (
        accepted: @Sendable (any Channel) -> EventLoopFuture<Void>,
        streamOpened: @Sendable (any Channel) -> EventLoopFuture<Void>
    ) {
        let accepted: @Sendable (any Channel) -> EventLoopFuture<Void> = { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(FirstCallGuard(timeout: timeout), position: .first)
            }
        }
        let streamOpened: @Sendable (any Channel) -> EventLoopFuture<Void> = { stream in
            guard let connection = stream.parent else { return stream.eventLoop.makeSucceededVoidFuture() }
            return connection.eventLoop.submit {
                let pipeline = connection.pipeline.syncOperations
                if let context = try? pipeline.context(handlerType: FirstCallGuard.self),
                    let guardHandler = context.handler as? FirstCallGuard
                {
                    guardHandler.callOpened(context: context)
                }
            }.flatMap { stream.eventLoop.makeSucceededVoidFuture() }
        }
        return (accepted, streamOpened)
    }
}
