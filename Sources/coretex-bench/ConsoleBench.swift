import CoretexProtocol
import CoretexTUI
import Foundation

/// The console's frame time with 10,000 jobs in the table (rendered into a text grid, so
/// this measures the console's own work, not the terminal's).
enum ConsoleBench {
    static func run() async {
        frames()
        await inputLatency()
    }

    static func frames() {
        var console = jobsConsole()
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

    /// The console as the app runs it, minus the terminal: a stream delivering 5,000 events/s
    /// into the model, a redraw loop drawing whenever the model changed, and key presses.
    /// Latency is from a key being handled to the end of the first frame that shows it (so it
    /// includes waiting for the frame in progress).
    static func inputLatency() async {
        final class App: @unchecked Sendable {
            let lock = NSLock()
            var console: Console
            var generation = 0
            var drawn = 0
            var running = true
            init(_ console: Console) { self.console = console }
        }
        var console = jobsConsole()
        _ = console.handle(.char("5"))  // the stream view, the one the events change
        let app = App(console)
        let grid = TextGrid(rows: 50, cols: 160)
        let events = Task.detached {
            var sent = 0
            let start = ContinuousClock.now
            while app.lock.withLock({ app.running }) {
                let due = Int(CtxBench.seconds(ContinuousClock.now - start) * 5000)
                app.lock.withLock {
                    while sent < due {
                        app.console.data.append(streamLine: "12:00:00  result   job-\(sent)  JOB_STATUS_SUCCEEDED  worker-echo-1")
                        sent += 1
                    }
                    app.generation += 1
                }
                try? await Task.sleep(for: .milliseconds(1))
            }
            return sent
        }
        let frames = Task.detached {
            while app.lock.withLock({ app.running }) {
                let (snapshot, generation) = app.lock.withLock { (app.console, app.generation) }
                _ = Renderer.draw(snapshot, on: grid)
                app.lock.withLock { app.drawn = generation }
                await Task.yield()
            }
        }
        var latencies: [Double] = []
        for i in 0..<200 {
            try? await Task.sleep(for: .milliseconds(10))
            let start = ContinuousClock.now
            let wanted = app.lock.withLock {
                _ = app.console.handle(i % 2 == 0 ? .up : .down)
                app.generation += 1
                return app.generation
            }
            while app.lock.withLock({ app.drawn < wanted }) { await Task.yield() }
            latencies.append(CtxBench.seconds(ContinuousClock.now - start) * 1000)
        }
        app.lock.withLock { app.running = false }
        let sent = await events.value
        await frames.value
        latencies.sort()
        print("\nconsole input → screen while the stream view takes 5,000 events/s (200 keys, \(sent) events)")
        print(String(format: "  median %.2f ms  p99 %.2f ms", latencies[100], latencies[197]))
    }

    static func jobsConsole() -> Console {
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
        return console
    }
}
