import CoretexCore
import CoretexProtocol
import Foundation
import Testing

@testable import CoretexTUI

@Suite struct ConsoleTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func console(jobs: Int = 3) -> Console {
        var c = Console(gateway: "http://127.0.0.1:8081")
        c.connection = .connected
        c.data.jobs = (0..<jobs).map { i in
            var r = JobRecord(id: "job-\(i)", updatedAt: 1_799_999_990, state: i == 1 ? "FAILED" : "SUCCEEDED")
            r.topic = "job.echo"
            r.createdAt = 1_799_999_980
            r.traceID = "trace-\(i)"
            r.workerID = "worker-echo-1"
            return r
        }
        c.data.approvals = [
            PendingApproval(
                workflowID: "deploy", workflowName: "Deploy", runID: "run-1", stepID: "approve",
                stepName: "Approve", waitingSince: "2027-01-15T07:59:00Z", runInput: nil)
        ]
        return c
    }

    @discardableResult
    static func render(_ c: inout Console, rows: Int = 24, cols: Int = 80) -> TextGrid {
        let grid = TextGrid(rows: rows, cols: cols)
        let layout = Renderer.draw(c, on: grid, now: now)
        c.buttons = layout.buttons
        c.pageSize = layout.pageSize
        return grid
    }

    @Test func theJobsViewShowsEveryJobWithTheBadgeAndTheStatusLine() {
        var c = Self.console()
        let grid = Self.render(&c)
        #expect(grid.line(0).contains("http://127.0.0.1:8081  connected"))
        #expect(grid.line(0).hasSuffix("Approvals: 1"))
        #expect(grid.line(1).hasPrefix(" 1 Jobs "))
        #expect(grid.line(2).contains("ID") && grid.line(2).contains("STATE"))
        #expect(grid.line(3).contains("job-0") && grid.line(3).contains("SUCCEEDED"))
        #expect(grid.line(4).contains("FAILED"))
        #expect(grid.line(23).hasPrefix("? help"))
        // The selected row is reversed; FAILED is red.
        #expect(grid.styles[3]?[2]?.reverse == true)
        let failedColumn = grid.line(4).range(of: "FAILED")!.lowerBound.utf16Offset(in: grid.line(4))
        #expect(grid.styles[4]?[failedColumn]?.colour == .red)
    }

    @Test func keysMoveOpenAndGoBack() {
        var c = Self.console()
        Self.render(&c)
        _ = c.handle(.down)
        #expect(c.selectedRow?.key == "job-1")
        let effects = c.handle(.enter)
        #expect(c.view == .job("job-1"))
        #expect(effects == [.load(.job("job-1"))])
        _ = c.handle(.escape)
        #expect(c.view == .jobs)
        _ = c.handle(.char("G"))
        #expect(c.selectedRow?.key == "job-2")
        _ = c.handle(.char("3"))
        #expect(c.view == .approvals)
    }

    @Test func approvingByKeyAndByClickAndRejectingWithAReason() {
        var c = Self.console()
        _ = c.handle(.char("3"))
        let grid = Self.render(&c)
        #expect(grid.line(3).contains("[Approve] [Reject]"))
        #expect(c.handle(.char("a")) == [.approve([StepRef(run: "run-1", step: "approve")])])

        let col = grid.line(3).range(of: "[Approve]")!.lowerBound.utf16Offset(in: grid.line(3))
        #expect(c.handle(.click(row: 3, col: col + 2)) == [.approve([StepRef(run: "run-1", step: "approve")])])
        let rejectCol = grid.line(3).range(of: "[Reject]")!.lowerBound.utf16Offset(in: grid.line(3))
        #expect(c.handle(.click(row: 3, col: rejectCol)).isEmpty)
        #expect(c.mode == .reason(StepRef(run: "run-1", step: "approve"), ""))
        #expect(c.handle(.enter).isEmpty)  // an empty reason is refused
        _ = c.handle(.char("r"))
        for ch in "bad" { _ = c.handle(.char(ch)) }
        #expect(Self.render(&c).line(22).contains("reason: bad"))
        #expect(c.handle(.enter) == [.reject(StepRef(run: "run-1", step: "approve"), reason: "bad")])
    }

    @Test func destructiveActionsAskFirstAndReadonlyRefuses() {
        var c = Self.console()
        Self.render(&c)
        #expect(c.handle(.char("c")).isEmpty)
        guard case .confirm(let question, _) = c.mode else { Issue.record("no confirmation"); return }
        #expect(question == "Cancel job job-0? [y/N]")
        #expect(c.handle(.char("n")).isEmpty)
        #expect(c.mode == .normal)
        _ = c.handle(.char("c"))
        #expect(c.handle(.char("y")) == [.cancelJobs(["job-0"])])

        // Marks make it a bulk action.
        _ = c.handle(.char(" "))
        _ = c.handle(.char(" "))
        _ = c.handle(.char("c"))
        #expect(c.handle(.char("y")) == [.cancelJobs(["job-0", "job-1"])])

        var readonly = Console(gateway: "g", readonly: true)
        readonly.data = c.data
        _ = readonly.handle(.char("3"))
        #expect(readonly.handle(.char("a")).isEmpty)
        #expect(readonly.message == "read-only: approve is disabled")
    }

    @Test func filterPaletteSortAndHelp() {
        var c = Self.console(jobs: 12)
        Self.render(&c)
        _ = c.handle(.char("/"))
        for ch in "job-1" { _ = c.handle(.char(ch)) }
        _ = c.handle(.enter)
        #expect(c.rows.map(\.key) == ["job-1", "job-10", "job-11"])
        _ = c.handle(.char("/"))
        for _ in 0..<5 { _ = c.handle(.backspace) }
        for ch in "!FAILED" { _ = c.handle(.char(ch)) }
        _ = c.handle(.enter)
        #expect(!c.rows.contains { $0.key == "job-1" } && c.rows.count == 11)
        _ = c.handle(.escape)  // clears the filter at the top of the stack
        #expect(c.rows.count == 12)

        _ = c.handle(.char(":"))
        for ch in "wor" { _ = c.handle(.char(ch)) }
        _ = c.handle(.tab)
        #expect(c.mode == .palette("workers"))
        _ = c.handle(.enter)
        #expect(c.view == .workers)
        _ = c.handle(.char(":"))
        for ch in "trace t-9" { _ = c.handle(.char(ch)) }
        #expect(c.handle(.enter) == [.load(.trace("t-9"))])
        _ = c.handle(.char(":"))
        for ch in "nonsense" { _ = c.handle(.char(ch)) }
        _ = c.handle(.enter)
        #expect(c.message?.hasPrefix("unknown command :nonsense") == true)

        _ = c.handle(.char("1"))
        _ = c.handle(.char("s"))
        #expect(c.message == "sorted by ID")

        _ = c.handle(.char("?"))
        let help = Self.render(&c, rows: 40, cols: 140).text
        // Every binding of the jobs view appears, from the same table that dispatches.
        for binding in c.keyMap.help(for: .jobs) { #expect(help.contains(binding.help), "\(binding.help)") }
        #expect(help.contains("up, k"))
    }

    @Test func smallTerminalsAndResize() {
        var c = Self.console(jobs: 40)
        let big = Self.render(&c, rows: 50, cols: 160)
        #expect(big.line(3).contains("trace-0"))
        let small = Self.render(&c, rows: 24, cols: 80)
        #expect((0..<24).allSatisfy { small.line($0).count <= 80 })
        #expect(c.pageSize == 19)
        for _ in 0..<30 { _ = c.handle(.down) }
        let scrolled = Self.render(&c)
        #expect(scrolled.text.contains("job-30"))
        #expect(!scrolled.text.contains("job-0 "))
        #expect(Self.render(&c, rows: 5, cols: 30).line(0).hasPrefix("terminal too small"))
    }

    @Test func theGatewayBeingDownIsShown() {
        var c = Self.console(jobs: 0)
        c.connection = .down("cannot reach http://127.0.0.1:1")
        #expect(Self.render(&c).line(0).contains("DOWN: cannot reach http://127.0.0.1:1"))
    }

    @Test func keyOverrides() {
        var map = KeyMap()
        #expect(map.apply(overrides: ["approve": "A", "nope": "x", "reject": "ctrl-x"]).count == 2)
        #expect(map.action(for: .char("A"), in: .approvals) == .approve)
        #expect(map.action(for: .char("a"), in: .approvals) == nil)
    }

    @Test func paletteCompletion() {
        #expect(Palette.complete("ap") == "approvals")
        #expect(Palette.complete("j") == "job")
        #expect(Palette.complete("x") == "x")
    }

    /// The frame-time target is measured in `make bench`; here only that 10,000 jobs render
    /// a correct first page.
    @Test func tenThousandJobsRenderOnePage() {
        var c = Self.console(jobs: 10_000)
        let grid = Self.render(&c)
        #expect(grid.line(3).contains("job-0"))
        #expect(grid.text.contains("1/10000"))
    }

    @Test func aRepositoryReviewShowsItsReportAsText() {
        var c = Self.console()
        var detail = JobDetail(id: "job-1", state: "SUCCEEDED")
        detail.result = .object(["markdown": .string("# Review of sample\n\nReviewed 2 files.\n"), "summary": .string("Reviewed 2 files.")])
        c.data.jobDetails["job-1"] = detail
        _ = c.handle(.down)
        _ = c.handle(.enter)
        let grid = Self.render(&c, rows: 40, cols: 100)
        #expect(grid.text.contains("Report"))
        #expect(grid.text.contains("  # Review of sample"))
        #expect(grid.text.contains("  Reviewed 2 files."))
        #expect(!grid.text.contains("\"markdown\""))
    }

    @Test func aResultOnTheStreamUpdatesTheJobsRowAtOnce() {
        var c = Self.console()
        c.data.jobs[2].state = "RUNNING"
        var result = Coretex_Agent_V1_JobResult()
        result.jobID = "job-2"
        result.status = .failed
        result.workerID = "worker-echo-9"
        c.data.apply(result: result)
        #expect(c.data.jobs[2].state == "FAILED" && c.data.jobs[2].workerID == "worker-echo-9")
        let line = Self.render(&c).text.split(separator: "\n").first { $0.contains("job-2") } ?? ""
        #expect(line.contains("FAILED") && line.contains("worker-echo-9"), "\(line)")
        var unknown = result
        unknown.jobID = "not-listed"
        c.data.apply(result: unknown)  // nothing to update, nothing added
        #expect(c.data.jobs.count == 3)
    }
}
