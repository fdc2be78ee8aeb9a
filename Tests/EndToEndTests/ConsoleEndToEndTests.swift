import CoretexInfra
import CoretexTestSupport
import Foundation
import Testing

/// The real `ctx tui` in tmux against the real dev stack, driven by keys and mouse escapes
/// sent to the pane and checked on the captured screen.
@Suite(.serialized) struct ConsoleEndToEndTests {
    /// A tmux server of the test's own (its own socket), so nothing touches the user's.
    struct Tmux {
        let socket = "coretex-\(UUID().uuidString.prefix(8))"

        @discardableResult
        func run(_ args: String...) async throws -> String {
            let out = NSTemporaryDirectory() + "tmux-\(UUID().uuidString.prefix(6)).out"
            FileManager.default.createFile(atPath: out, contents: nil)
            // posix_spawn, not Foundation's Process: the tmux server daemonizes and would keep
            // Process's exit-watching pipe open, so the client would never be seen to exit.
            let p = try ManagedProcess(name: "tmux", executable: "/usr/bin/tmux", arguments: ["-L", socket] + args, logFile: out)
            _ = p.waitForExit(timeout: 10)
            defer { try? FileManager.default.removeItem(atPath: out) }
            return (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        }

        func screen() async throws -> String { try await run("capture-pane", "-p", "-t", "c") }
        func keys(_ keys: String...) async throws { for k in keys { try await run("send-keys", "-t", "c", k) } }

        /// A left click at (row, col), as the xterm (X10) mouse protocol encodes it: one byte
        /// per coordinate, 33 + the 0-based position, so it must stay below 128 (≤ 94 columns).
        func click(row: Int, col: Int) async throws {
            precondition(col < 94 && row < 94)
            let seq =
                "\u{1B}[M" + String(UnicodeScalar(32)) + String(UnicodeScalar(UInt8(33 + col))) + String(UnicodeScalar(UInt8(33 + row)))
            try await run("send-keys", "-t", "c", "-l", seq)
        }

        func waitFor(_ text: String, timeout: Duration = .seconds(15)) async throws -> String {
            var last = ""
            let seen = await eventually(timeout: timeout) {
                last = (try? await screen()) ?? ""
                return last.contains(text)
            }
            guard seen else { throw StackError("\"\(text)\" never appeared; screen:\n\(last)") }
            return last
        }

        func kill() async { _ = try? await run("kill-server") }
    }

    @Test func theConsoleShowsJobsDetailsAndApprovesByKeyAndByMouse() async throws {
        let stack = try await Stack().ready()
        let ctx = CtxRunner(stack: stack)
        _ = try await ctx("workflow", "create", "-f", "\(WorkflowTests.examples)/approval-deploy.yaml")
        let tmux = Tmux()
        defer { Task { await tmux.kill() } }
        let env = ctx.environment.filter { ["CTX_GATEWAY", "CORETEX_API_KEY", "CTX_CONFIG", "PATH", "HOME"].contains($0.key) }
            .map { "\($0.key)='\($0.value)'" }.joined(separator: " ")
        try await tmux.run("new-session", "-d", "-s", "c", "-x", "94", "-y", "35", "sh")
        try await tmux.run("send-keys", "-t", "c", "env \(env) \(CtxRunner.binary) tui; echo CTX-EXITED-$?", "Enter")
        _ = try await tmux.waitFor("connected")

        // A job submitted with ctx appears and reaches SUCCEEDED.
        let submitted = CtxJobTests.object(
            try await ctx("job", "submit", "job.echo", "--prompt", "from the console test", "-o", "json").stdout)
        let id = try #require(submitted["job_id"] as? String)
        let jobs = try await tmux.waitFor("SUCCEEDED")
        #expect(jobs.contains(String(id.prefix(18))), "\(jobs)")

        // Enter opens it: context and result.
        try await tmux.keys("g", "Enter")
        let detail = try await tmux.waitFor("processed_by")
        #expect(detail.contains("Context") && detail.contains("\"prompt\" : \"from the console test\""), "\(detail)")
        try await tmux.keys("Escape")

        // Two runs wait for approval: one approved with a key, one with a click.
        var runs: [String] = []
        for version in ["1", "2"] {
            let started = CtxJobTests.object(
                try await ctx("run", "start", "approval-deploy", "--input", #"{"version":"\#(version)"}"#, "-o", "json").stdout)
            runs.append(try #require(started["run_id"] as? String))
        }
        try await tmux.keys("3")
        _ = try await tmux.waitFor("Approvals: 2")
        var inbox = try await tmux.waitFor("[Approve]")
        #expect(inbox.contains("approve (Approve"), "\(inbox)")
        try await tmux.keys("a")
        // Wait for a whole frame with one run left (a capture can land between two draws).
        #expect(
            await eventually {
                inbox = (try? await tmux.screen()) ?? ""
                return inbox.contains("Approvals: 1") && inbox.components(separatedBy: "[Approve]").count == 2
            }, "\(inbox)")
        let lines = inbox.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let row = try #require(lines.firstIndex { $0.contains("[Approve]") })
        let col = try #require(lines[row].range(of: "[Approve]")).lowerBound.utf16Offset(in: lines[row])
        try await tmux.click(row: row, col: col + 1)
        _ = try await tmux.waitFor("Approvals: 0")
        for run in runs {
            #expect(
                await eventually {
                    CtxJobTests.object((try? await ctx("run", "get", run, "-o", "json"))?.stdout ?? "")["status"] as? String == "succeeded"
                }, "run \(run)")
        }

        // `?` shows the help, from the key table.
        try await tmux.keys("?")
        let help = try await tmux.waitFor("this help")
        #expect(help.contains("approve the selected (or marked) steps"))
        try await tmux.keys("Escape", "1")

        // Resize to 80x24: everything redrawn to fit.
        try await tmux.run("resize-window", "-t", "c", "-x", "80", "-y", "24")
        var small = ""
        let redrawn = await eventually {
            small = (try? await tmux.screen()) ?? ""
            let lines = small.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            return lines.count == 24 && lines.first?.hasSuffix("Approvals: 0") == true && lines[23].hasPrefix("? help")
        }
        #expect(redrawn, "\(small)")
        let smallLines = small.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(smallLines.allSatisfy { $0.count <= 80 })
        #expect(smallLines.first?.contains("Approvals: 0") == true, "\(small)")
        #expect(smallLines.contains { $0.contains("SUCCEEDED") })

        // q quits and gives the shell back its screen.
        try await tmux.keys("q")
        let after = try await tmux.waitFor("CTX-EXITED-0")
        #expect(!after.contains("? help  : command"))
        #expect(try await tmux.run("display", "-p", "-t", "c", "#{alternate_on}").trimmingCharacters(in: .whitespacesAndNewlines) == "0")
    }

    /// The console crashed here once (FoundationNetworking cancelling a failing request): it
    /// must show the gateway DOWN, keep drawing, and reconnect when the gateway is back.
    @Test func theConsoleShowsTheGatewayDownAndReconnects() async throws {
        let stack = try await Stack(ownServers: true).ready()
        let ctx = CtxRunner(stack: stack)
        let tmux = Tmux()
        defer { Task { await tmux.kill() } }
        let env = ctx.environment.filter { ["CTX_GATEWAY", "CORETEX_API_KEY", "CTX_CONFIG", "PATH", "HOME"].contains($0.key) }
            .map { "\($0.key)='\($0.value)'" }.joined(separator: " ")
        try await tmux.run("new-session", "-d", "-s", "c", "-x", "94", "-y", "30", "sh")
        try await tmux.run("send-keys", "-t", "c", "env \(env) \(CtxRunner.binary) tui; echo CTX-EXITED-$?", "Enter")
        _ = try await tmux.waitFor("connected")
        for _ in 0..<2 {
            stack.stopServer()
            let down = try await tmux.waitFor("DOWN")
            #expect(!down.contains("Fatal error"), "\(down)")
            try await stack.restartServer()
            _ = try await tmux.waitFor("connected")
        }
        try await tmux.keys("5")  // the stream view says it reconnected
        _ = try await tmux.waitFor("stream connected")
        try await tmux.keys("q")
        _ = try await tmux.waitFor("CTX-EXITED-0")
    }

    /// Key and colour overrides live next to the contexts file; mistakes stop the console
    /// with the file and the reason instead of being ignored.
    @Test func badKeyOrColourOverridesAreReported() async throws {
        let ctx = CtxRunner(stack: nil, gateway: "http://127.0.0.1:1")
        try "cyan: teal\n".write(toFile: "\(ctx.directory)/colors.yaml", atomically: true, encoding: .utf8)
        let colours = try await ctx("tui")
        #expect(colours.status == 1 && colours.stderr.contains("colors.yaml: \"teal\" for cyan"), "\(colours)")
        try "cyan: blue\n".write(toFile: "\(ctx.directory)/colors.yaml", atomically: true, encoding: .utf8)
        try "approve: [x\n".write(toFile: "\(ctx.directory)/keys.yaml", atomically: true, encoding: .utf8)
        let keys = try await ctx("tui")
        #expect(keys.status == 1 && keys.stderr.contains("keys.yaml: not a map"), "\(keys)")
        try "approve: A\n".write(toFile: "\(ctx.directory)/keys.yaml", atomically: true, encoding: .utf8)
        let fine = try await ctx("tui")  // valid files: only the missing terminal is left to complain about
        #expect(fine.status == 2 && fine.stderr.contains("needs a terminal"), "\(fine)")
    }
}
