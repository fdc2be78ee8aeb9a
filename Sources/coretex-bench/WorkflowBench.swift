import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The workflow figures of `make bench`: a 100-step chain and a 1,000-way fan-out of echo
/// steps, each timed from starting the run to its final status.
enum WorkflowBench {
    static func run(stack: BenchStack) async throws {
        var chain: [String: Any] = [:]
        for i in 0..<100 {
            var step: [String: Any] = ["topic": "job.echo", "input": ["prompt": "step \(i)"]]
            if i > 0 { step["depends_on"] = ["s\(i - 1)"] }
            chain["s\(i)"] = step
        }
        let fanOut: [String: Any] = ["each": ["topic": "job.echo", "for_each": "input.items", "input": ["prompt": "${item}"]]]
        print("\nworkflows (start → final status)")
        for (id, steps, input) in [("bench-chain", chain, [String: Any]()), ("bench-fan-out", fanOut, ["items": Array(0..<1000)])] {
            _ = try await post(stack, "/api/v1/workflows", ["id": id, "steps": steps])
            var times: [Double] = []
            for _ in 0..<3 {
                let start = ContinuousClock.now
                let started = try await post(stack, "/api/v1/workflows/\(id)/runs", input)
                guard let runID = started["run_id"] as? String else { throw BenchError("no run id: \(started)") }
                var status = ""
                while !["succeeded", "failed", "cancelled", "timed_out"].contains(status) {
                    try await Task.sleep(for: .milliseconds(10))
                    status = try await get(stack, "/api/v1/workflow-runs/\(runID)")["status"] as? String ?? ""
                }
                guard status == "succeeded" else { throw BenchError("\(id) run \(runID) ended \(status)") }
                times.append(CtxBench.seconds(ContinuousClock.now - start))
            }
            let label = id == "bench-chain" ? "100-step chain" : "1,000-way fan-out"
            print(String(format: "  %@: best %.2f s, worst %.2f s (3 runs)", label, times.min()!, times.max()!))
        }
    }

    static func post(_ stack: BenchStack, _ path: String, _ body: [String: Any]) async throws -> [String: Any] {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(stack.httpPort)\(path)")!)
        request.httpMethod = "POST"
        request.httpBody = try JSONSerialization.data(withJSONObject: body)
        let (data, _) = try await URLSession.shared.data(for: request)
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }

    static func get(_ stack: BenchStack, _ path: String) async throws -> [String: Any] {
        let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(stack.httpPort)\(path)")!)
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }
}
