import CoretexInfra
import CoretexTestSupport
import Foundation
import Testing

/// `ctx stream`, `trace`, `memory`, `workers`, `status`, contexts and the small commands.
@Suite(.serialized) struct CtxObserveTests {
    static func object(_ text: String) -> [String: Any] { CtxJobTests.object(text) }

    @Test func streamTailsEventsInBothFormatsAndSaysWhenItReconnects() async throws {
        let stack = try await Stack(ownServers: true).ready()
        let ctx = CtxRunner(stack: stack)

        let human = try ctx.start(["stream", "--no-heartbeats", "--count", "2"])
        let jsonl = try ctx.start(["stream", "--kind", "result", "-o", "jsonl"])
        let heartbeat = try await ctx("stream", "--kind", "heartbeat", "--count", "1", "-o", "jsonl")
        let worker = (Self.object(heartbeat.stdout)["heartbeat"] as? [String: Any])?["workerId"] as? String ?? ""
        let workers = try await stack.jsonArray("/api/v1/workers").compactMap { $0["worker_id"] as? String }
        #expect(workers.contains(worker), "\(worker) not in \(workers)")
        // Both tails are connected once a heartbeat-only tail has seen one (same hub); submit.
        var id = ""
        let seen = await eventually {
            if id.isEmpty || !jsonl.stdout.contains(id) {
                id =
                    Self.object((try? await ctx("job", "submit", "job.echo", "--prompt", "s", "-o", "json"))?.stdout ?? "")["job_id"]
                    as? String ?? ""
            }
            return jsonl.stdout.contains(id) && human.stdout.contains("result")
        }
        #expect(seen, "human: \(human.stdout) \(human.stderr)\njsonl: \(jsonl.stdout)")
        await human.exited()
        #expect(human.output.status == 0)
        let lines = human.output.lines
        #expect(lines.count == 2)
        #expect(lines.contains { $0.contains("request ") && $0.contains("job.echo") })
        #expect(lines.contains { $0.contains("result ") && $0.contains("SUCCEEDED") && $0.contains("worker=worker-echo-1") })
        let result = try #require(
            jsonl.stdout.split(separator: "\n").map { Self.object(String($0)) }.first {
                ($0["jobResult"] as? [String: Any])?["jobId"] as? String == id
            })
        #expect((result["jobResult"] as? [String: Any])?["status"] as? String == "JOB_STATUS_SUCCEEDED")

        // The gateway goes away and comes back: the tail says so and keeps going.
        try await stack.restartServer()
        #expect(await eventually(timeout: .seconds(20)) { jsonl.stderr.contains("stream reconnected") }, "\(jsonl.stderr)")
        #expect(jsonl.stderr.contains("stream disconnected"))
        let after = Self.object(try await ctx("job", "submit", "job.echo", "--prompt", "after", "-o", "json").stdout)["job_id"] as! String
        #expect(await eventually { jsonl.stdout.contains(after) })
        jsonl.interrupt()
        await jsonl.exited()
        #expect(jsonl.output.status == 130)
        // Every line written is a whole JSON object.
        #expect(jsonl.stdout.split(separator: "\n").allSatisfy { !Self.object(String($0)).isEmpty })
    }

    @Test func traceMemoryWorkersAndStatus() async throws {
        let stack = try await Stack().ready()
        let ctx = CtxRunner(stack: stack)
        let detail = Self.object(try await ctx("job", "submit", "job.echo", "--prompt", "look", "--wait", "-o", "json").stdout)
        let id = try #require(detail["id"] as? String)
        let trace = try #require(detail["trace_id"] as? String)

        let tree = try await ctx("trace", trace)
        #expect(tree.status == 0)
        #expect(tree.lines.first?.hasPrefix("trace \(trace)  1 job") == true, "\(tree)")
        #expect(tree.lines.dropFirst().first?.contains("\(id)  job.echo  SUCCEEDED") == true)
        let traceJSON = try #require(try await ctx("trace", trace, "-o", "json").json as? [[String: Any]])
        #expect(traceJSON.first?["id"] as? String == id)
        #expect(try await ctx("trace", "no-such-trace").status == 3)

        let result = try await ctx("memory", "redis://res:\(id)")
        #expect(Self.object(result.stdout)["processed_by"] as? String == "worker-echo-1")
        let context = try await ctx("memory", "ctx:\(id)")
        #expect(Self.object(context.stdout)["prompt"] as? String == "look")
        let raw = Self.object(try await ctx("memory", "ctx:\(id)", "-o", "json").stdout)
        #expect(raw["kind"] as? String == "context" && raw["base64"] is String)
        let missing = try await ctx("memory", "redis://res:nope")
        #expect(missing.status == 3 && missing.stderr.contains("nothing stored at redis://res:nope"))
        #expect(try await ctx("memory", "no-such-conversation").status == 3)

        let workers = try await ctx("workers")
        #expect(workers.lines.first?.hasPrefix("WORKER") == true)
        #expect(workers.stdout.contains("worker-echo-1") && workers.stdout.contains("0/16"))
        let workersJSON = try #require(try await ctx("workers", "-o", "json").json as? [[String: Any]])
        #expect(workersJSON.contains { $0["worker_id"] as? String == "worker-echo-1" && $0["pool"] as? String == "echo" })
        #expect(try await ctx("workers", "--pool", "nope").stderr == "no live workers\n")

        let status = try await ctx("status")
        #expect(status.status == 0, "\(status)")
        #expect(status.lines.contains { $0.hasPrefix("nats") && $0.contains("ok") })
        #expect(status.lines.contains { $0.hasPrefix("redis") && $0.contains("ok") })
        #expect((Self.object(try await ctx("status", "-o", "json").stdout)["redis"] as? [String: Any])?["ok"] as? Bool == true)
    }

    @Test func conversationsShowAsTurns() async throws {
        let stack = try await Stack(ownServers: true).ready()
        let redis = RedisClient(url: RedisURL(host: "127.0.0.1", port: stack.redisPort))
        defer { redis.close() }
        _ = try await redis.command(
            "RPUSH", "mem:chat-1:events", #"{"role":"user","content":"hello"}"#, #"{"role":"assistant","content":"hi there"}"#)
        let ctx = CtxRunner(stack: stack)
        let shown = try await ctx("memory", "chat-1")
        #expect(shown.stdout == "user:\n  hello\nassistant:\n  hi there\n", "\(shown)")
    }

    @Test func contextsConfigCompletionAndVersion() async throws {
        let stack = try await Stack().ready()
        // No gateway in the environment: everything comes from the config file.
        let ctx = CtxRunner(stack: nil, extra: ["CTX_GATEWAY": "", "CORETEX_API_KEY": ""])
        #expect(try await ctx("context", "list").stderr.contains("no contexts"))
        // Nothing configured: the default URL, where nothing listens in the test.
        #expect(try await ctx("config", "-o", "json").stdout.contains("http://127.0.0.1:8081"))

        #expect(try await ctx("context", "set", "local", "--gateway", stack.base, "--api-key", "test-key").status == 0)
        #expect(try await ctx("context", "set", "broken", "--gateway", "http://127.0.0.1:1").status == 0)
        let listed = try await ctx("context", "list")
        #expect(listed.lines.contains { $0.hasPrefix("*") && $0.contains("local") && $0.contains("set") }, "\(listed)")
        #expect(try await ctx("status").status == 0)

        #expect(try await ctx("context", "use", "broken").status == 0)
        #expect(try await ctx("status").status == 1)
        // Flag > environment > context.
        #expect(try await ctx("status", "--context", "local").status == 0)
        #expect(try await ctx("status", "--gateway", stack.base, "--api-key", "test-key").status == 0)
        let fromEnv = CtxRunner(stack: stack, extra: ["CTX_CONFIG": ctx.environment["CTX_CONFIG"]!])
        #expect(try await fromEnv("status").status == 0)
        let config = Self.object(try await ctx("config", "-o", "json").stdout)
        #expect(config["current_context"] as? String == "broken")
        #expect(config["gateway"] as? String == "http://127.0.0.1:1")
        #expect(try await ctx("status", "--context", "missing").stderr.contains("no context named \"missing\""))
        #expect(try await ctx("context", "use", "missing").status == 3)
        #expect(try await ctx("context", "delete", "broken").status == 0)
        let file = try String(contentsOfFile: ctx.environment["CTX_CONFIG"]!, encoding: .utf8)
        #expect(file.contains("api_key: test-key") && !file.contains("broken"))
        let mode = try FileManager.default.attributesOfItem(atPath: ctx.environment["CTX_CONFIG"]!)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        for shell in ["bash", "zsh", "fish"] {
            let script = try await ctx("completion", shell)
            #expect(script.status == 0 && script.stdout.contains("ctx") && script.stdout.count > 500)
        }
        #expect(try await ctx("completion", "tcsh").status == 2)
        #expect(try await ctx("version").stdout == "ctx 0.1.0\n")
        #expect(try await ctx("--version").stdout == "ctx 0.1.0\n")
        let help = try await ctx("job", "submit", "--help")
        #expect(help.status == 0 && help.stdout.contains("USAGE: ctx job submit"))
    }
}
