import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A child process this one started and must stop: `nats-server` and `redis-server` of the
/// local stack, or a binary under test.
///
/// Spawned with `posix_spawn` and a clean signal mask: threads of a Swift process (Dispatch,
/// the test runner, NIO) block most signals, a child inherits that mask through
/// `Foundation.Process`, and a `redis-server` that cannot see SIGTERM has to be killed.
///
/// Children still running when this process exits normally get a SIGTERM from an `atexit`
/// handler, so an owner that was never released (a test that failed half-way, say) does not
/// leave a stack running behind it.
public final class ManagedProcess: @unchecked Sendable {
    // @unchecked: `exitStatus` is only touched under `lock`.
    public let pid: pid_t
    public let name: String
    private let lock = NSLock()
    private var exitStatus: Int32?

    /// Starts `executable` (looked up on PATH when not absolute); stdout and stderr go to
    /// `logFile` when given, else are discarded. `environment` replaces the inherited one.
    public init(
        name: String, executable: String, arguments: [String], environment: [String: String]? = nil,
        logFile: String? = nil
    ) throws {
        self.name = name
        guard let path = Self.resolve(executable) else { throw ProcessError.notFound(executable) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        let output = logFile ?? "/dev/null"
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        // Own process group: a Ctrl-C in the terminal reaches the parent only, which then stops
        // its children in order.
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        let env = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        let argv = [path] + arguments
        var child: pid_t = 0
        let status = Self.withCStrings(argv) { cArgv in
            Self.withCStrings(env) { cEnv in posix_spawn(&child, path, &actions, &attributes, cArgv, cEnv) }
        }
        guard status == 0 else { throw ProcessError.spawnFailed(executable, String(cString: strerror(status))) }
        self.pid = child
        Self.running.withLock { _ = $0.insert(child) }
        _ = Self.stopAtExit
    }

    /// Children not yet seen to exit.
    private static let running = Mutex<Set<pid_t>>([])
    private static let stopAtExit: Void = {
        atexit { for pid in ManagedProcess.running.withLock({ $0 }) { kill(pid, SIGTERM) } }
    }()

    /// Whether the child is still alive (reaps it when it has exited).
    public var isRunning: Bool { reap(block: false) == nil }

    /// The exit status once the child has exited (raw `waitpid` status).
    public var terminationStatus: Int32? { reap(block: false) }

    private func reap(block: Bool) -> Int32? {
        lock.lock()
        defer { lock.unlock() }
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        let result = waitpid(pid, &status, block ? 0 : WNOHANG)
        if result == pid || (result == -1 && errno == ECHILD) {
            exitStatus = status
            _ = Self.running.withLock { $0.remove(pid) }
            return status
        }
        return nil
    }

    /// SIGTERM, then SIGKILL if it has not exited after `grace` seconds.
    public func stop(grace: TimeInterval = 5) {
        guard isRunning else { return }
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(grace)
        while isRunning, Date() < deadline { usleep(10_000) }
        if isRunning { kill(pid, SIGKILL) }
        _ = reap(block: true)
    }

    /// Sends a signal (tests use SIGINT/SIGTERM to check graceful shutdown).
    public func signal(_ signal: Int32) { kill(pid, signal) }

    /// Waits up to `timeout` seconds for the child to exit; returns its exit code if it did.
    public func waitForExit(timeout: TimeInterval) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while isRunning, Date() < deadline { usleep(10_000) }
        guard let status = terminationStatus else { return nil }
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    deinit { stop(grace: 2) }

    public static func resolve(_ executable: String) -> String? {
        if executable.contains("/") { return FileManager.default.isExecutableFile(atPath: executable) ? executable : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/bin", "/sbin"] {
            let candidate = "\(dir)/\(executable)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    private static func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        var pointers = strings.map { strdup($0) }
        pointers.append(nil)
        defer { pointers.forEach { free($0) } }
        return body(pointers)
    }
}

public enum ProcessError: Error, CustomStringConvertible {
    case notFound(String)
    case spawnFailed(String, String)
    case notReady(String, String)

    public var description: String {
        switch self {
        case .notFound(let name): "\(name) not found on PATH (install it: apt-get install -y \(name))"
        case .spawnFailed(let name, let why): "could not start \(name): \(why)"
        case .notReady(let name, let detail): "\(name) did not become ready: \(detail)"
        }
    }
}
