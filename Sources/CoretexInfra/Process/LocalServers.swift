import Foundation
import Synchronization

/// Starts `nats-server` and `redis-server` on loopback, for the dev stack and for tests,
/// bound to 127.0.0.1 only, with their files under `directory`.
///
/// NATS always runs JetStream with file storage under `directory/jetstream`: state lives as
/// long as the directory (a throwaway one for tests). `persistent` (the dev stack) makes
/// Redis keep its state across restarts too: it appends every write to its AOF and fsyncs it
/// once a second (at most a second of writes is lost to a host crash, none to a restart).
public enum LocalServers {
    public static func startNATS(port: Int, directory: String) throws -> ManagedProcess {
        // JetStream always (the roles' durable delivery needs it), its files under `directory`:
        // a throwaway directory for tests, the state directory for the dev stack.
        let arguments = [
            "-a", "127.0.0.1", "-p", String(port), "-P", "\(directory)/nats.pid", "-js", "-sd", "\(directory)/jetstream",
        ]
        let process = try ManagedProcess(
            name: "nats-server", executable: "nats-server", arguments: arguments, logFile: "\(directory)/nats.log")
        try waitForPort(port, name: "nats-server", process: process)
        return process
    }

    public static func startRedis(port: Int, directory: String, persistent: Bool = false) throws -> ManagedProcess {
        let durability = persistent ? ["--appendonly", "yes", "--appendfsync", "everysec"] : ["--appendonly", "no"]
        let process = try ManagedProcess(
            name: "redis-server", executable: "redis-server",
            arguments: [
                "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--dir", directory, "--daemonize", "no",
                "--logfile", "\(directory)/redis.log", "--pidfile", "\(directory)/redis.pid",
            ] + durability)
        try waitForPort(port, name: "redis-server", process: process)
        return process
    }

    /// Stops a server a crashed earlier run left behind (its parent was killed with `kill -9`,
    /// so nobody stopped it): the process named in `directory/<name>.pid`, if it still runs
    /// `executable`. SIGTERM first, so it writes its files out; SIGKILL after 5 s.
    public static func stopLeftover(_ executable: String, pidFile name: String, in directory: String) {
        let path = "\(directory)/\(name)"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
            let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0,
            let command = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8),
            command.trimmingCharacters(in: .whitespacesAndNewlines) == executable
        else { return }
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(5)
        while kill(pid, 0) == 0, Date() < deadline { usleep(20_000) }
        if kill(pid, 0) == 0 { kill(pid, SIGKILL) }
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Polls until something accepts TCP connections on 127.0.0.1:`port`.
    public static func waitForPort(_ port: Int, name: String, process: ManagedProcess? = nil, timeout: TimeInterval = 10) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let process, !process.isRunning {
                throw ProcessError.notReady(name, "exited with status \(process.terminationStatus ?? -1)")
            }
            if canConnect(port: port) { return }
            usleep(20_000)
        }
        throw ProcessError.notReady(name, "nothing listening on 127.0.0.1:\(port) after \(Int(timeout)) s")
    }

    public static func canConnect(port: Int, host: String = "127.0.0.1") -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host, &addr.sin_addr)
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    /// A TCP port that was free a moment ago (the kernel picks it), and never handed out
    /// before by this process: the kernel may pick the same free port for two calls in a row,
    /// and a stack given one port for two listeners fails to start.
    public static func freePort() -> Int {
        while true {
            let port = kernelPickedPort()
            // 0: no socket to be had; the caller's bind fails and says so.
            if port == 0 || handedOut.withLock({ $0.insert(port).inserted }) { return port }
        }
    }

    private static let handedOut = Mutex<Set<Int>>([])

    private static func kernelPickedPort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr)
        _ = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var bound = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &bound) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        return Int(UInt16(bigEndian: bound.sin_port))
    }
}
