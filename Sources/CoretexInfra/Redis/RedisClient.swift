import Synchronization

/// The store client: a small pool of Redis connections whose concurrent callers share writes
/// (see `RedisConnection`).
///
/// Every method is safe to call from any task. A command that fails because the connection
/// dropped throws `RedisError.connection`; the next call reconnects.
public final class RedisClient: Sendable {
    private let connections: [RedisConnection]
    private let next = Atomic<Int>(0)
    private let scripts = Mutex<[Int: String]>([:])  // RedisScript.id → SHA
    public let url: RedisURL

    public init(url: RedisURL, poolSize: Int = 2) {
        self.url = url
        self.connections = (0..<max(1, poolSize)).map { _ in RedisConnection(url: url) }
    }

    deinit { close() }

    public func close() { connections.forEach { $0.stop() } }

    /// Round trips made so far (each a batch of commands written together and read back):
    /// what the job path's budget of Redis round trips per job is counted in.
    public var roundTrips: Int { connections.reduce(0) { $0 + $1.roundTrips.load(ordering: .relaxed) } }

    private var connection: RedisConnection {
        connections[next.wrappingAdd(1, ordering: .relaxed).oldValue % connections.count]
    }

    /// Runs one command; a server error reply is thrown as `RedisError.server`.
    @discardableResult
    public func command(_ args: String...) async throws -> RedisValue {
        try await command(args)
    }

    @discardableResult
    public func command(_ args: [String]) async throws -> RedisValue {
        try await check(connection.send(RedisCommands([args]))[0])
    }

    @discardableResult
    public func commandBytes(_ args: [[UInt8]]) async throws -> RedisValue {
        var command = RedisCommands()
        command.append(bytes: args)
        return try await check(connection.send(command)[0])
    }

    private func check(_ reply: RedisValue) throws -> RedisValue {
        if case .error(let text) = reply { throw RedisError.server(text) }
        return reply
    }

    /// Runs the commands in one round trip and returns every reply, errors included as
    /// `.error` values (one failing command does not hide the others' results).
    public func pipeline(_ commands: [[String]]) async throws -> [RedisValue] {
        if commands.isEmpty { return [] }
        return try await connection.send(RedisCommands(commands))
    }

    /// Runs a Lua script atomically. The script is loaded once per client and invoked by its
    /// SHA; after a server restart (NOSCRIPT) it is loaded again. `prelude` commands go ahead
    /// of the script in the same round trip (they run just before it, not atomically with it).
    @discardableResult
    public func eval(_ script: RedisScript, keys: [String], args: [String], after prelude: [[String]] = []) async throws
        -> RedisValue
    {
        try await eval(script, keys: keys, args: args, after: prelude, then: []).script
    }

    /// `eval` with `followUps` sent in the same round trip, right after the script; their
    /// replies come back as values, errors included, as with `pipeline`.
    public func eval(
        _ script: RedisScript, keys: [String], args: [String], after prelude: [[String]] = [],
        then followUps: [[String]]
    ) async throws -> (script: RedisValue, followUps: [RedisValue]) {
        for _ in 0..<2 {
            let sha = try await load(script)
            var commands = RedisCommands(prelude)
            commands.appendEvalSHA(sha, keys: keys, args: args)
            commands.append(contentsOf: followUps)
            let replies = try await connection.send(commands)
            for case .error(let text) in replies.prefix(prelude.count) { throw RedisError.server(text) }
            let reply = replies[prelude.count]
            if case .error(let text) = reply {
                if text.hasPrefix("NOSCRIPT") {
                    _ = scripts.withLock { $0.removeValue(forKey: script.id) }
                    continue
                }
                throw RedisError.server(text)
            }
            return (reply, Array(replies.suffix(followUps.count)))
        }
        throw RedisError.server("script could not be loaded")
    }

    private func load(_ script: RedisScript) async throws -> String {
        if let sha = scripts.withLock({ $0[script.id] }) { return sha }
        guard let sha = try await command("SCRIPT", "LOAD", script.source).text else {
            throw RedisError.server("SCRIPT LOAD returned no sha")
        }
        scripts.withLock { $0[script.id] = sha }
        return sha
    }

    /// PING with the connection's timeouts; throws when Redis is unreachable.
    public func ping() async throws {
        let reply = try await command("PING")
        guard reply.text == "PONG" else { throw RedisError.server("unexpected PING reply") }
    }

    /// Waits until Redis answers, retrying every `interval` and logging through `onRetry`, so
    /// a store that is not up yet delays start instead of crashing it.
    public func waitUntilReachable(interval: Duration = .seconds(2), onRetry: (any Error, Int) -> Void) async throws {
        var attempt = 0
        while true {
            attempt += 1
            do {
                try await ping()
                return
            } catch {
                onRetry(error, attempt)
                try await Task.sleep(for: interval)
            }
        }
    }
}

/// A Lua script run with EVALSHA.
///
/// Scripts are identified by a number given at creation, not by their source: the client looks
/// its SHA up on every call, and hashing a 4 KB source per state change showed in profiles.
/// Create each script once (a `static let`).
public struct RedisScript: Sendable {
    public let source: String
    let id: Int
    private static let next = Atomic<Int>(0)

    public init(_ source: String) {
        self.source = source
        id = Self.next.add(1, ordering: .relaxed).newValue
    }
}
