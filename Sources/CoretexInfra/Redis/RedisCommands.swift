/// Commands already in the Redis wire protocol (RESP arrays of bulk strings), so a pipeline is
/// one buffer handed to hiredis as is: no per-argument copies or format strings on the
/// connection's thread (hiredis' `redisAppendCommandArgv` showed in profiles).
struct RedisCommands: Sendable {
    private(set) var bytes: [UInt8] = []
    private(set) var count = 0

    init() {}

    init(_ commands: [[String]]) {
        for command in commands { append(command) }
    }

    mutating func append(_ args: [String]) {
        header(args.count)
        for arg in args {
            var arg = arg  // withUTF8 may make a string contiguous in place
            arg.withUTF8 { bulk($0) }
        }
    }

    mutating func append(bytes args: [[UInt8]]) {
        header(args.count)
        for arg in args { arg.withUnsafeBufferPointer { bulk($0) } }
    }

    private mutating func header(_ arguments: Int) {
        count += 1
        bytes.append(UInt8(ascii: "*"))
        bytes.append(contentsOf: String(arguments).utf8)
        lineEnd()
    }

    private mutating func bulk(_ arg: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "$"))
        bytes.append(contentsOf: String(arg.count).utf8)
        lineEnd()
        bytes.append(contentsOf: arg)
        lineEnd()
    }

    /// CR LF, appended byte by byte (an array literal here would be allocated per argument).
    private mutating func lineEnd() {
        bytes.append(13)
        bytes.append(10)
    }
}
