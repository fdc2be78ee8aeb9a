/// Commands already in the Redis wire protocol (RESP arrays of bulk strings), so a pipeline is
/// one buffer written to the socket as is (`RedisConnection`): no per-argument copies or
/// format strings at write time (hiredis' `redisAppendCommandArgv` showed in profiles).
///
/// Encoding runs once per command on the caller's task, for every job several times, so it
/// writes lengths digit by digit into a buffer sized up front instead of going through
/// `String(Int)` and a growing array.
struct RedisCommands: Sendable {
    private(set) var bytes: [UInt8] = []
    private(set) var count = 0

    init() {}

    init(_ commands: [[String]]) {
        bytes.reserveCapacity(commands.reduce(0) { $0 + Self.size(of: $1) })
        for command in commands { append(command) }
    }

    mutating func append(_ args: [String]) {
        header(args.count)
        for arg in args { bulk(arg) }
    }

    mutating func append(contentsOf commands: [[String]]) {
        for command in commands { append(command) }
    }

    mutating func append(bytes args: [[UInt8]]) {
        header(args.count)
        for arg in args { arg.withUnsafeBufferPointer { bulk($0) } }
    }

    /// `EVALSHA sha <number of keys> keys… args…`, without assembling the argument list first.
    mutating func appendEvalSHA(_ sha: String, keys: [String], args: [String]) {
        bytes.reserveCapacity(bytes.count + Self.size(of: keys) + Self.size(of: args) + 80)
        header(3 + keys.count + args.count)
        bulk("EVALSHA")
        bulk(sha)
        bulk(String(keys.count))
        for key in keys { bulk(key) }
        for arg in args { bulk(arg) }
    }

    private mutating func header(_ arguments: Int) {
        count += 1
        bytes.append(UInt8(ascii: "*"))
        decimal(arguments)
        lineEnd()
    }

    private mutating func bulk(_ arg: String) {
        var arg = arg  // withUTF8 may make a string contiguous in place
        arg.withUTF8 { bulk($0) }
    }

    private mutating func bulk(_ arg: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "$"))
        decimal(arg.count)
        lineEnd()
        bytes.append(contentsOf: arg)
        lineEnd()
    }

    /// A non-negative number in decimal.
    private mutating func decimal(_ value: Int) {
        var divisor = 1
        while divisor <= value / 10 { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            bytes.append(UInt8(48 + rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }

    /// Bytes of a command, a little generously (headers of up to 14 bytes per argument).
    private static func size(of args: [String]) -> Int {
        args.reduce(16) { $0 + $1.utf8.count + 14 }
    }

    /// CR LF, appended byte by byte (an array literal here would be allocated per argument).
    private mutating func lineEnd() {
        bytes.append(13)
        bytes.append(10)
    }
}
