import CoretexCore
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import ServiceLifecycle

/// Serves gRPC services on a plaintext HTTP/2 port until graceful shutdown: the one way the
/// safety kernel, the context engine and the gateway's gRPC API listen. A connection that opens
/// no call within `idleTimeout` (`API_IDLE_TIMEOUT`) of its accept is closed (`FirstCallGuard`);
/// later, one that does not answer a ping after `idleTimeout` of silence is closed within
/// another, and one with no call under way is closed after three: clients that went quiet, or
/// never spoke HTTP/2, do not hold descriptors; a client with calls to make connects again.
package enum GRPCEndpoint {
    package static func serve(
        _ services: [any RegistrableRPCService], at address: HostPort, name: String, idleTimeout: Duration, logger: Logger
    ) async throws {
        let config = HTTP2ServerTransport.Posix.Config.defaults {
            // A client silent for `idleTimeout` is pinged, and closed if it does not answer
            // within `idleTimeout` more: that is what catches one that never speaks HTTP/2.
            $0.connection.keepalive.time = idleTimeout
            $0.connection.keepalive.timeout = idleTimeout
            // One that answers but makes no call is closed later, with a GOAWAY. (Its close waits
            // for the answer to a PING, so an idle limit alone would never close a silent one.)
            $0.connection.maxIdleTime = idleTimeout * 3
            let guarded = FirstCallGuard.callbacks(timeout: .nanoseconds(idleTimeout.nanosecondsClamped))
            $0.channelDebuggingCallbacks.onAcceptTCPConnection = guarded.accepted
            $0.channelDebuggingCallbacks.onAcceptHTTP2Stream = guarded.streamOpened
        }
        let server = GRPCServer(
            transport: .http2NIOPosix(
                address: .ipv4(host: address.host, port: address.port), transportSecurity: .plaintext, config: config),
            services: services)
        logger.info("\(name) listening", metadata: ["addr": "\(address)"])
        try await withGracefulShutdownHandler {
            try await server.serve()
        } onGracefulShutdown: {
            server.beginGracefulShutdown()
        }
    }
}

extension Duration {
    /// Whole nanoseconds, for NIO's `TimeAmount`.
    var nanosecondsClamped: Int64 {
        let (seconds, attoseconds) = components
        return seconds.multipliedReportingOverflow(by: 1_000_000_000).overflow
            ? .max : seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
