import CoretexInfra
import CoretexTestSupport
import Foundation
import Testing

/// `ctx job …` driven as a binary against `coretex-server dev`: formats, exit codes, bad input.
@Suite(.serialized) struct CtxJobTests {
    static func object(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }

    @Test func submitWaitSucceedsWithTheResultAndEveryPromptSource() async throws {
        let stack = try await Stack().ready()
        let ctx = CtxRunner(stack: stack)

        let waited = try await ctx("job", "submit", "job.echo", "--prompt", "hi", "--wait")
        #expect(waited.status == 0, "\(waited)")
        #expect(waited.stdout.contains("State:       SUCCEEDED"))
        #expect(waited.stdout.contains(#""processed_by" : "worker-echo-1""#))

        // -o json under --wait is the job detail.
        let json = try await ctx("job", "submit", "job.echo", "--prompt", "hi", "--wait", "-o", "json")
        let detail = Self.object(json.stdout)
        #expect(json.status == 0 && detail["state"] as? String == "SUCCEEDED", "\(json)")
        let id = try #require(detail["id"] as? String)
        #expect(detail["context_ptr"] as? String == "redis://ctx:\(id)")

        // Without --wait: the id for scripts, the job runs anyway.
        let plain = try await ctx("job", "submit", "job.echo", "--prompt", "x", "-o", "json")
        let submitted = Self.object(plain.stdout)
        let plainID = try #require(submitted["job_id"] as? String)
        #expect(submitted["trace_id"] is String)
        #expect(try await ctx("job", "wait", plainID).status == 0)

        // stdin, a file, structured JSON; priority, labels and memory id arrive in the detail.
        let fromStdin = try await ctx("job", "submit", "job.echo", "-", "--wait", "-o", "json", stdin: "from stdin")
        #expect((Self.object(fromStdin.stdout)["context"] as? [String: Any])?["prompt"] as? String == "from stdin")
        let file = ctx.directory + "/prompt.txt"
        try "from a file".write(toFile: file, atomically: true, encoding: .utf8)
        let fromFile = try await ctx(
            "job", "submit", "job.echo", "--file", file, "--wait", "-o", "json",
            "--priority", "critical", "--label", "run_id=r-77", "--memory-id", "chat-9")
        let fileDetail = Self.object(fromFile.stdout)
        #expect((fileDetail["context"] as? [String: Any])?["prompt"] as? String == "from a file", "\(fromFile)")
        #expect((fileDetail["labels"] as? [String: String])?["run_id"] == "r-77")
        #expect(fileDetail["memory_id"] as? String == "chat-9")
        let fromJSON = try await ctx("job", "submit", "job.echo", "--json", #"{"prompt":"structured","n":3}"#, "--wait", "-o", "json")
        let context = (Self.object(fromJSON.stdout)["context"] as? [String: Any])?["context"] as? [String: Any]
        #expect(context?["n"] as? Int == 3, "\(fromJSON)")

        // `job result` prints the result JSON alone.
        let result = try await ctx("job", "result", id)
        #expect(result.status == 0)
        #expect(Self.object(result.stdout)["processed_by"] as? String == "worker-echo-1")
        // `job get` in every format.
        #expect(try await ctx("job", "get", id).stdout.contains("History:"))
        #expect(Self.object(try await ctx("job", "get", id, "-o", "json").stdout)["id"] as? String == id)
        #expect(try await ctx("job", "get", id, "-o", "yaml").stdout.contains("state: SUCCEEDED"))
    }

    @Test func followPrintsEveryStateUntilFinal() async throws {
        let stack = try await Stack().ready()
        let ctx = CtxRunner(stack: stack)
        let followed = try await ctx("job", "submit", "job.echo", "--prompt", "f", "--follow")
        #expect(followed.status == 0, "\(followed)")
        let states = followed.lines.compactMap { line -> String? in
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            let isTime = parts.first?.wholeMatch(of: /\d\d:\d\d:\d\d/) != nil
            return parts.count == 2 && isTime ? String(parts[1]) : nil
        }
        #expect(states == ["PENDING", "SCHEDULED", "DISPATCHED", "RUNNING", "SUCCEEDED"], "\(followed)")

        let jsonl = try await ctx("job", "submit", "job.echo", "--prompt", "f", "--follow", "-o", "jsonl")
        let events = jsonl.lines.dropLast().map(Self.object)
        #expect(events.first?["state"] as? String == "PENDING")
        #expect(events.last?["state"] as? String == "SUCCEEDED")
        #expect(events.allSatisfy { ($0["at"] as? String)?.hasSuffix("Z") == true }, "\(jsonl)")
    }

    @Test func outcomesAndErrorsHaveTheirExitCodes() async throws {
        let stack = try await Stack().ready()
        let ctx = CtxRunner(stack: stack)

        let denied = try await ctx("job", "submit", "job.code.llm", "--prompt", "x", "--tenant", "restricted", "--wait")
        #expect(denied.status == 5, "\(denied)")
        #expect(denied.stderr.contains("ended DENIED: topic 'job.code.llm' not allowed"))
        #expect(denied.stdout.contains("Safety:      DENY"))

        let unknown = try await ctx("job", "get", "no-such-job")
        #expect(unknown.status == 3)
        #expect(unknown.stderr == "ctx: job no-such-job not found\n")
        #expect(try await ctx("job", "cancel", "no-such-job").status == 3)
        #expect(try await ctx("job", "result", "no-such-job").status == 3)

        let badKey = try await CtxRunner(stack: stack, apiKey: "wrong")("job", "list")
        #expect(badKey.status == 4, "\(badKey)")
        #expect(badKey.stderr.contains("unauthorised"))

        let port = LocalServers.freePort()
        let down = try await CtxRunner(stack: nil, gateway: "http://127.0.0.1:\(port)")("job", "get", "x")
        #expect(down.status == 1)
        #expect(down.stderr.contains("cannot reach the gateway at http://127.0.0.1:\(port)"))

        let badJSON = try await ctx("job", "submit", "job.echo", "--json", "{\"prompt\": \"x\",\n \"n\": tru}")
        #expect(badJSON.status == 1)
        #expect(badJSON.stderr.contains("--json is not valid JSON: expected a value at line 2, column 7"), "\(badJSON)")
        let noFile = try await ctx("job", "submit", "job.echo", "--file", "/no/such/prompt.txt")
        #expect(noFile.status == 1 && noFile.stderr == "ctx: /no/such/prompt.txt: no such file\n")

        let usage = try await ctx("job", "submit", "job.echo")
        #expect(usage.status == 2)
        #expect(usage.stderr.contains("exactly one of --prompt"))
        #expect(try await ctx("job", "list", "--limit", "0").status == 2)
        #expect(try await ctx("job", "frobnicate").status == 2)

        let badTopic = try await ctx("job", "submit", "echo", "--prompt", "x")
        #expect(badTopic.status == 1 && badTopic.stderr == "ctx: topic must start with job.\n")
        let unrouted = try await ctx("job", "submit", "job.nobody.serves", "--prompt", "x")
        #expect(unrouted.stderr.contains("no pool serves topic \"job.nobody.serves\""))

        // Nothing was created by any of the failures above but the denied job.
        let list = Self.object(try await ctx("job", "list", "-o", "json").stdout)
        #expect((list["items"] as? [Any])?.count == 1)
    }

    @Test func anInterruptedWaitExits130WithNothingWritten() async throws {
        let stack = try await Stack(environment: ["ECHO_DELAY_MS": "30000"]).ready()
        let ctx = CtxRunner(stack: stack)
        let running = try ctx.start(["job", "submit", "job.echo", "--prompt", "slow", "--wait"])
        #expect(
            await eventually {
                let jobs =
                    (Self.object((try? await ctx("job", "list", "--state", "running", "-o", "json"))?.stdout ?? "")["items"] as? [Any])
                    ?? []
                return !jobs.isEmpty
            })
        running.interrupt()
        await running.exited()
        #expect(running.output.status == 130, "\(running.output)")
        #expect(running.output.stdout.isEmpty)
    }

    @Test func listFiltersPagesAndFormats() async throws {
        let stack = try await Stack().ready()
        let ctx = CtxRunner(stack: stack)
        var ids: [String] = []
        for i in 0..<5 {
            let out = try await ctx(
                "job", "submit", "job.echo", "--prompt", "p\(i)", "--label", "run_id=\(i % 2 == 0 ? "even" : "odd")", "-o", "json")
            ids.append(try #require(Self.object(out.stdout)["job_id"] as? String))
        }
        #expect(try await ctx.run(["job", "wait"] + ids).status == 0)
        _ = try await ctx("job", "submit", "job.code.llm", "--prompt", "x", "--tenant", "restricted", "--wait")

        let table = try await ctx("job", "list")
        #expect(table.lines.first?.hasPrefix("ID") == true)
        #expect(table.lines.count == 7, "\(table)")
        #expect(try await ctx("job", "list", "--no-headers").lines.count == 6)

        let wide = try await ctx("job", "list", "-o", "wide")
        #expect(wide.lines.first?.contains("TENANT") == true)
        #expect(wide.stdout.contains("restricted"))

        let jsonl = try await ctx("job", "list", "-o", "jsonl")
        #expect(jsonl.lines.count == 6)
        #expect(jsonl.lines.allSatisfy { Self.object($0)["id"] is String })

        let even = try await ctx("job", "list", "--label", "run_id=even", "-o", "jsonl")
        #expect(Set(even.lines.map { Self.object($0)["id"] as? String }) == Set([ids[0], ids[2], ids[4]]))
        let denied = try await ctx("job", "list", "--state", "denied", "-o", "jsonl")
        #expect(denied.lines.count == 1)
        #expect(try await ctx("job", "list", "--topic", "job.echo", "--since", "1h", "-o", "jsonl").lines.count == 5)
        let yaml = try await ctx("job", "list", "--topic", "job.code.llm", "-o", "yaml")
        #expect(yaml.stdout.contains("state: DENIED"))

        // Paging: two per page; the table says how to go on, --all walks every page.
        let page = try await ctx("job", "list", "--limit", "2")
        #expect(page.lines.count == 3)
        let cursor = try #require(page.stderr.split(separator: " ").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) })
        let next = try await ctx("job", "list", "--limit", "2", "--cursor", cursor, "-o", "jsonl")
        #expect(next.lines.count == 2)
        #expect(Set(next.lines).isDisjoint(with: Set(try await ctx("job", "list", "--limit", "2", "-o", "jsonl").lines)))
        let all = try await ctx("job", "list", "--limit", "2", "--all", "-o", "jsonl")
        #expect(Set(all.lines.map { Self.object($0)["id"] as? String }).count == 6)
    }

    @Test func cancelWaitAndDeadLetters() async throws {
        let stack = try await Stack(timeouts: CancelAndDeadLetterTests.quickTimeouts, environment: ["ECHO_DELAY_MS": "30000"]).ready()
        let ctx = CtxRunner(stack: stack)
        let slow = Self.object(try await ctx("job", "submit", "job.echo", "--prompt", "slow", "-o", "json").stdout)["job_id"] as! String
        let cancelled = try await ctx("job", "cancel", slow)
        #expect(cancelled.status == 0 && cancelled.stdout == "job \(slow) cancelled\n", "\(cancelled)")
        let again = try await ctx("job", "cancel", slow)
        #expect(again.stdout.contains("not cancelled: job already terminal"))
        let waited = try await ctx("job", "wait", slow)
        #expect(waited.status == 5 && waited.stdout.contains("CANCELLED"))

        // A job no worker may take (a placement label nobody has) ends in the DLQ.
        let lost =
            Self.object(try await ctx("job", "submit", "job.echo", "--prompt", "lost", "--label", "zone=nowhere", "-o", "json").stdout)[
                "job_id"] as! String
        #expect(try await ctx("job", "wait", lost).status == 5)
        let dlq = try await ctx("dlq", "list")
        #expect(dlq.stdout.contains(lost) && dlq.stdout.contains("FAILED"), "\(dlq)")
        let entries = try #require(try await ctx("dlq", "-o", "json").json as? [[String: Any]])
        #expect(entries.contains { $0["job_id"] as? String == lost })

        let retried = try await ctx("dlq", "retry", lost)
        #expect(retried.status == 0 && retried.stdout.hasPrefix("job \(lost) retried as \(lost)-retry-"), "\(retried)")
        #expect(try await ctx("dlq", "retry", lost).status == 3)
        let retryID = String(retried.stdout.split(separator: " ").last!.dropLast())
        #expect(try await ctx("job", "wait", retryID).status == 5)

        let refused = try await ctx("dlq", "delete", retryID)
        #expect(refused.status == 2 && refused.stderr.contains("--yes"))
        let deleted = try await ctx("dlq", "delete", retryID, "--yes")
        #expect(deleted.status == 0 && deleted.stdout == "entry \(retryID) deleted\n")
        #expect(try await ctx("dlq", "delete", retryID, "--yes").status == 3)
    }
}
