import Foundation

/// CPU time by process (stack, NATS, Redis, the load generator itself), read from
/// `/proc/<pid>/stat`, so the bench says where a job's CPU goes and not only how many fit.
struct CPUAccount {
    static let targetJobsPerSecond = 5000.0
    let processes: [(name: String, pid: Int32)]

    /// The stack's process, its children (nats-server, redis-server) and this process.
    init(server: Int32) {
        // Each thread lists the children it started (the stack starts its servers off the main thread).
        let threads = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(server)/task")) ?? []
        let children = threads.flatMap { thread in
            ((try? String(contentsOfFile: "/proc/\(server)/task/\(thread)/children", encoding: .utf8)) ?? "")
                .split(separator: " ").compactMap { Int32($0) }
        }
        var list: [(String, Int32)] = [("coretex-server", server)]
        for pid in children.sorted() {
            let name =
                (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines) ?? "pid \(pid)"
            list.append((name, pid))
        }
        list.append(("load generator", getpid()))
        processes = list
    }

    /// User + system CPU seconds of each process, in `processes` order.
    func sample() -> [Double] {
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return processes.map { _, pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return 0 }
            // Fields after "(comm)": state is field 3, utime 14, stime 15.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
            return (user + system) / ticks
        }
    }

    /// "CPU per job: coretex-server 812 µs, redis-server 301 µs, …".
    func report(from before: [Double], to after: [Double], jobs: UInt64) {
        guard jobs > 0 else { return }
        let parts = zip(processes, zip(before, after)).map { process, span in
            String(format: "%@ %.0f µs", process.name, (span.1 - span.0) / Double(jobs) * 1e6)
        }
        let total = zip(before, after).reduce(0) { $0 + $1.1 - $1.0 } / Double(jobs) * 1e6
        print("  CPU per job: \(parts.joined(separator: ", ")); total \(String(format: "%.0f", total)) µs")
        // The throughput target as CPU: what every process together may spend per job.
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let budget = Double(cores) * 1e6 / Self.targetJobsPerSecond
        let stack = (after[0] - before[0]) / Double(jobs) * 1e6
        print(
            String(
                format: "  %.0f jobs/s on %d cores leaves %.0f µs per job for all of them; all but coretex-server used %.0f µs",
                Self.targetJobsPerSecond, cores, budget, total - stack))
    }
}
