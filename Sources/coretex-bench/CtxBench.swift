import CoretexInfra
import CoretexProtocol
import Foundation

/// The `ctx` figures of `make bench`: start-up time of short commands, and whether
/// `ctx stream` keeps up with a fast bus.
enum CtxBench {
    static func run(ctx: String, stack: BenchStack, jobID: String) async throws {
        let env = [
            "CTX_GATEWAY": "http://127.0.0.1:\(stack.httpPort)", "CTX_CONFIG": "/nonexistent/ctx.yaml", "NO_COLOR": "1",
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
        ]
        print("\nctx start-up (wall time of the whole process, 30 runs each)")
        for args in [["version"], ["job", "get", jobID]] {
            var times: [Double] = []
            for _ in 0..<30 { times.append(try spawnAndWait(ctx, args, env: env, stdout: "/dev/null")) }
            times.sort()
            print(String(format: "  ctx %@: median %.1f ms  p90 %.1f ms", args.joined(separator: " "), times[15], times[26]))
        }

        // Result packets straight onto the bus at 5,000/s; the gateway fans them out to the
        // WebSocket and ctx prints one JSON line each.
        let events = 25_000, rate = 5_000
        let output = stack.directory + "/stream.jsonl", errors = stack.directory + "/stream.err"
        var pid: pid_t = 0
        let started = try spawn(
            ctx, ["stream", "--kind", "result", "-o", "jsonl", "--count", String(events + 1)],
            env: env, stdout: output, stderr: errors, pid: &pid)
        _ = started
        let bus = try await NATSBus.connect(url: stack.natsURL, logger: .init(label: "bench"))
        // Wait until the tail is connected: it prints the first probe it receives.
        var probe = Coretex_Agent_V1_JobResult()
        probe.jobID = "bench-probe"
        probe.status = .succeeded
        let probeBytes = Coretex_Agent_V1_BusPacket.result(probe, traceID: "bench", senderID: "bench").wireBytes
        while (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int) ?? 0 == 0 {
            try bus.publish(Subjects.result, probeBytes)
            try await Task.sleep(for: .milliseconds(50))
        }
        let linesBefore = lineCount(output)
        let start = ContinuousClock.now
        for i in 0..<events {
            var r = Coretex_Agent_V1_JobResult()
            r.jobID = "bench-stream-\(i)"
            r.status = .succeeded
            r.workerID = "bench"
            try bus.publish(Subjects.result, Coretex_Agent_V1_BusPacket.result(r, traceID: "bench", senderID: "bench").wireBytes)
            if i % 100 == 99 {
                let due = start + .milliseconds((i + 1) * 1000 / rate)
                if ContinuousClock.now < due { try await Task.sleep(until: due) }
            }
        }
        let published = ContinuousClock.now - start
        // Give the tail up to 10 s to drain, then count what it printed.
        let drainDeadline = ContinuousClock.now + .seconds(10)
        while lineCount(output) - linesBefore < events, ContinuousClock.now < drainDeadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        let lag = ContinuousClock.now - start - published
        kill(pid, SIGINT)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        let received = lineCount(output) - linesBefore
        let gaps = ((try? String(contentsOfFile: errors, encoding: .utf8)) ?? "").split(separator: "\n").filter { $0.contains("missed") }
        print("\nctx stream at \(rate) events/s for \(events / rate) s")
        print(
            String(
                format: "  printed %d of %d events; published in %.2f s, drained %.2f s later; %d gap notices",
                received, events, seconds(published), seconds(lag), gaps.count))
    }

    static func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

    static func lineCount(_ path: String) -> Int {
        guard let data = FileManager.default.contents(atPath: path) else { return 0 }
        return data.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
    }

    /// Milliseconds from spawn to exit.
    static func spawnAndWait(_ path: String, _ args: [String], env: [String: String], stdout: String) throws -> Double {
        let start = ContinuousClock.now
        var pid: pid_t = 0
        try spawn(path, args, env: env, stdout: stdout, stderr: "/dev/null", pid: &pid)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        guard status == 0 else { throw BenchError("ctx \(args.joined(separator: " ")) failed (status \(status))") }
        return seconds(ContinuousClock.now - start) * 1000
    }

    @discardableResult
    static func spawn(_ path: String, _ args: [String], env: [String: String], stdout: String, stderr: String, pid: inout pid_t) throws
        -> Bool
    {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = ([path] + args).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        let rc = posix_spawn(&pid, path, &actions, nil, argv, envp)
        guard rc == 0 else { throw BenchError("cannot start \(path): \(String(cString: strerror(rc)))") }
        return true
    }
}
