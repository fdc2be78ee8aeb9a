import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A bare TCP connection to the gateway, for requests no HTTP client would send: it writes
/// bytes as given and reads whatever comes back until the server closes the connection or
/// `deadline` passes.
struct RawConnection {
    let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr)
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, connected == 0 else { throw StackError("cannot connect to 127.0.0.1:\(port)") }
    }

    func send(_ text: String) { send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Ends our side (a half-close): the server sees end of input.
    func finishWriting() { shutdown(fd, Int32(SHUT_WR)) }

    /// What the server sent, and whether it closed the connection before `deadline`.
    func readUntilClosed(deadline: Duration = .seconds(8)) -> (text: String, closed: Bool) {
        var received: [UInt8] = []
        let end = ContinuousClock.now + deadline
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while ContinuousClock.now < end {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let left = end - ContinuousClock.now
            let ms = Int32(max(1, left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000))
            guard poll(&pfd, 1, ms) > 0 else { continue }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return (String(decoding: received, as: UTF8.self), true) }
            received += buffer[0..<n]
        }
        return (String(decoding: received, as: UTF8.self), false)
    }

    func close() { Glibc.close(fd) }
}
