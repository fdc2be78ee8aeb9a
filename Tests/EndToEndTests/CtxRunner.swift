import Foundation
import Synchronization

/// Runs the real `ctx` binary against a stack, the way an operator's shell would: its own
/// config file, no colours, the stack's gateway and key from the environment.
struct CtxRunner: Sendable {
    static var binary: String { "\(Stack.root)/.build/debug/ctx" }

    struct Output: Sendable, CustomStringConvertible {
        let status: Int32
        let stdout: String
        let stderr: String
        var lines: [String] { stdout.split(separator: "\n").map(String.init) }
        var json: Any? { try? JSONSerialization.jsonObject(with: Data(stdout.utf8)) }
        var description: String { "exit \(status)\nstdout:\n\(stdout)\nstderr:\n\(stderr)" }
    }

    let environment: [String: String]
    let directory: String

    init(stack: Stack?, gateway: String? = nil, apiKey: String? = nil, extra: [String: String] = [:]) {
        directory = NSTemporaryDirectory() + "ctx-e2e-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var env = ProcessInfo.processInfo.environment
        for key in ["CTX_GATEWAY", "CORETEX_API_KEY", "CTX_TENANT", "COLUMNS"] { env[key] = nil }
        env["CTX_CONFIG"] = "\(directory)/config.yaml"
        env["NO_COLOR"] = "1"
        if let url = gateway ?? stack?.base { env["CTX_GATEWAY"] = url }
        if let key = apiKey ?? stack?.apiKey { env["CORETEX_API_KEY"] = key }
        env.merge(extra) { _, new in new }
        environment = env
    }

    /// Runs `ctx args…` to completion, with `stdin` as its input (empty by default).
    @discardableResult
    func callAsFunction(_ args: String..., stdin: String = "") async throws -> Output {
        try await run(args, stdin: stdin)
    }

    func run(_ args: [String], stdin: String = "") async throws -> Output {
        let process = try start(args, stdin: stdin)
        await process.exited()
        return process.output
    }

    /// Starts `ctx` and returns at once (for streams and interrupts).
    func start(_ args: [String], stdin: String = "") throws -> Running {
        let id = UUID().uuidString.prefix(8)
        let out = "\(directory)/\(id).out", err = "\(directory)/\(id).err", input = "\(directory)/\(id).in"
        FileManager.default.createFile(atPath: out, contents: nil)
        FileManager.default.createFile(atPath: err, contents: nil)
        FileManager.default.createFile(atPath: input, contents: Data(stdin.utf8))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = args
        process.environment = environment
        process.standardOutput = FileHandle(forWritingAtPath: out)
        process.standardError = FileHandle(forWritingAtPath: err)
        process.standardInput = FileHandle(forReadingAtPath: input)
        let running = Running(process: process, stdoutPath: out, stderrPath: err)
        process.terminationHandler = { _ in running.finished() }
        try process.run()
        return running
    }

    final class Running: Sendable {
        nonisolated(unsafe) let process: Process
        let stdoutPath: String
        let stderrPath: String
        private let done = Mutex<(Bool, [CheckedContinuation<Void, Never>])>((false, []))

        init(process: Process, stdoutPath: String, stderrPath: String) {
            self.process = process
            self.stdoutPath = stdoutPath
            self.stderrPath = stderrPath
        }

        func finished() {
            let waiters = done.withLock { state in
                state.0 = true
                defer { state.1 = [] }
                return state.1
            }
            for w in waiters { w.resume() }
        }

        func exited() async {
            await withCheckedContinuation { c in
                let already = done.withLock { state in
                    if state.0 { return true }
                    state.1.append(c)
                    return false
                }
                if already { c.resume() }
            }
        }

        var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
        var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }
        var output: Output { Output(status: process.terminationStatus, stdout: stdout, stderr: stderr) }

        func interrupt() { process.interrupt() }
    }
}
