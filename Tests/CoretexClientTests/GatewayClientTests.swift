import CoretexClient
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The client's transport outcomes, against sockets of the test's own (no gateway needed).
struct GatewayClientTests {
    /// A loopback port that listens but never accepts: connections complete (the kernel's
    /// backlog takes them) and requests hang unanswered.
    final class SilentListener {
        let fd: Int32
        let port: Int

        init() throws {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            self.fd = fd
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0, listen(fd, 8) == 0 else {
                close(fd)
                throw POSIXError(.EADDRINUSE)
            }
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            self.port = Int(UInt16(bigEndian: address.sin_port))
        }

        /// A port nothing listens on (this one, once closed).
        static func closedPort() throws -> Int {
            let listener = try SilentListener()
            close(listener.fd)
            return listener.port
        }

        deinit { close(fd) }
    }

    @Test func aRefusedConnectionIsReportedWithTheURLAndTheReason() async throws {
        let url = "http://127.0.0.1:\(try SilentListener.closedPort())"
        do {
            _ = try await GatewayClient(GatewayEndpoint(url: url)).status()
            Issue.record("expected an error")
        } catch let error as ClientError {
            #expect(error == .unreachable(url: url, detail: "Connection refused"))
        }
    }

    @Test func aCancelledCallerGetsCancellationNotAnOutage() async throws {
        let listener = try SilentListener()
        let client = GatewayClient(GatewayEndpoint(url: "http://127.0.0.1:\(listener.port)"), timeout: 60)
        let call = Task { try await client.status() }
        call.cancel()
        await #expect(throws: CancellationError.self) { try await call.value }
    }
}
