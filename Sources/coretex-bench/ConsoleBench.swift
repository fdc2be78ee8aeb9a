import CoretexProtocol
import CoretexTUI
import Foundation

/// The console's frame time with 10,000 jobs in the table (rendered into a text grid, so
/// this measures the console's own work, not the terminal's).
enum ConsoleBench {
    static func run() {
        var console = Console(gateway: "http://127.0.0.1:8081")
        console.connection = .connected
        console.data.jobs = (0..<10_000).map { i in
            var r = JobRecord(id: UUID().uuidString.lowercased(), updatedAt: 1_800_000_000 - i, state: i % 7 == 0 ? "FAILED" : "SUCCEEDED")
            r.topic = "job.echo"
            r.workerID = "worker-echo-1"
            r.traceID = UUID().uuidString.lowercased()
            r.createdAt = 1_800_000_000 - i - 1
            return r
        }
        let grid = TextGrid(rows: 50, cols: 160)
        var times: [Double] = []
        for i in 0..<200 {
            if i % 2 == 1 { _ = console.handle(.down) }
            let start = ContinuousClock.now
            let layout = Renderer.draw(console, on: grid)
            console.pageSize = layout.pageSize
            times.append(CtxBench.seconds(ContinuousClock.now - start) * 1000)
        }
        times.sort()
        print("\nconsole frame, 10,000 jobs, 160x50 (200 frames)")
        print(String(format: "  median %.2f ms  p99 %.2f ms", times[100], times[197]))
    }
}
