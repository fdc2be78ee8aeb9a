import Foundation

/// Runs a tool (git, tar, a linter, a test command) to completion with a time limit and
/// returns its exit status and combined output. Output goes to a temporary file rather than
/// a pipe, so a chatty tool can never block on a full pipe; the limit is enforced by
/// coreutils' `timeout`, which kills the tool's whole process group (a test runner's
/// children included).
struct Subprocess: Sendable {
    struct Outcome: Sendable {
        var status: Int32
        var output: String
        /// The tool ran past its time limit and was killed.
        var timedOut: Bool { status == 124 || status == 137 }
    }

    var executable: String
    var arguments: [String]
    var directory: String? = nil
    /// nil: the worker's own environment.
    var environment: [String: String]? = nil
    var timeoutSeconds: Int = 120
    /// Bytes kept from the end of the output.
    var outputLimit = 256 * 1024

    func run() async throws -> Outcome {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("coretex-sub-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let handle = try FileHandle(forWritingTo: log)
        defer { try? handle.close() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments = ["-k", "5", String(max(timeoutSeconds, 1)), executable] + arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        if let environment { process.environment = environment }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = handle
        process.standardError = handle
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        let data = (try? Data(contentsOf: log)) ?? Data()
        let tail = data.count > outputLimit ? data.suffix(outputLimit) : data
        return Outcome(status: status, output: String(decoding: tail, as: UTF8.self))
    }

    /// Whether `name` is on the PATH (for linters that may not be installed).
    static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
