import CoretexClient
import CoretexCore
import CoretexProtocol
import Foundation
import Synchronization

/// Runs the console: keys from the terminal, state from the gateway (polled every second,
/// plus the live stream), and a redraw only when something changed — no busy loop, and no
/// network call ever waits on input or drawing.
public final class ConsoleApp: Sendable {
    let client: GatewayClient
    let endpoint: GatewayEndpoint
    let state: Mutex<Console>
    let redraws: AsyncStream<Void>
    let redraw: AsyncStream<Void>.Continuation

    public init(endpoint: GatewayEndpoint, readonly: Bool, keyMap: KeyMap) {
        self.endpoint = endpoint
        client = GatewayClient(endpoint, timeout: 5)
        state = Mutex(Console(gateway: endpoint.url, readonly: readonly, keyMap: keyMap))
        (redraws, redraw) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Runs until the operator quits; the terminal is restored before returning.
    public func run(screen: CursesScreen) async {
        let keys = screen.keys()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.poll() }
            group.addTask { await self.tail() }
            group.addTask {
                for await _ in self.redraws {
                    let console = self.state.withLock { $0 }
                    let layout = Renderer.draw(console, on: screen)
                    self.state.withLock { c in
                        c.buttons = layout.buttons
                        c.pageSize = layout.pageSize
                    }
                }
            }
            redraw.yield()
            for await key in keys {
                let effects = state.withLock { c in
                    let effects = c.handle(key)
                    c.clampSelection()
                    return effects
                }
                if effects.contains(.quit) { break }
                for effect in effects { group.addTask { await self.perform(effect) } }
                redraw.yield()
            }
            group.cancelAll()
            redraw.finish()
        }
        screen.close()
    }

    // MARK: Data

    private func poll() async {
        while !Task.isCancelled {
            // A request to a gateway that died mid-answer can hang past the client's own
            // timeout; the console must notice anyway, so every refresh has a deadline.
            let finished = await Self.withDeadline(.seconds(6)) { await self.refresh() }
            if !finished { update { $0.connection = .down("gateway not answering") } }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    /// Runs `work`, giving up waiting for it after `limit`; returns whether it finished.
    /// Unstructured on purpose: a task group would wait for the hung request anyway.
    static func withDeadline(_ limit: Duration, _ work: @escaping @Sendable () async -> Void) async -> Bool {
        let once = Once()
        return await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let job = Task {
                await work()
                if once.claim() { continuation.resume(returning: true) }
            }
            Task {
                try? await Task.sleep(for: limit)
                job.cancel()
                if once.claim() { continuation.resume(returning: false) }
            }
        }
    }

    /// True for the first caller only.
    final class Once: Sendable {
        private let taken = Atomic<Bool>(false)
        func claim() -> Bool { !taken.exchange(true, ordering: .acquiringAndReleasing) }
    }

    /// Reloads the lists and the open detail view; a failure marks the gateway down and
    /// the next tick tries again, so the console recovers without a restart.
    func refresh() async {
        do {
            var filter = JobFilter()
            filter.limit = 200
            async let jobs = client.jobs(filter)
            async let runs = client.runs(limit: 100)
            async let approvals = client.approvals()
            async let workers = client.workers()
            async let dlq = client.deadLetters(limit: 200)
            let (j, r, a, w, d) = try await (jobs, runs, approvals, workers, dlq)
            update { c in
                c.data.jobs = j.items
                c.data.runs = r
                c.data.approvals = a
                c.data.workers = w.sorted { ($0.pool ?? "", $0.workerID) < ($1.pool ?? "", $1.workerID) }
                c.data.deadLetters = d
                c.connection = .connected
            }
            let view = state.withLock { $0.view }
            if case .help = view {} else { await load(view) }
        } catch {
            update { $0.connection = .down(Self.describe(error)) }
        }
    }

    private func tail() async {
        var filter = EventStream.Filter()
        filter.types = ["jobRequest", "jobResult", "alert"]
        for await message in EventStream(endpoint, filter: filter).messages() {
            switch message {
            case .packet(let packet):
                let line = StreamText.line(packet)
                update { c in
                    if !c.streamPaused { c.data.append(streamLine: line) }
                    if case .jobResult(let result)? = packet.payload { c.data.apply(result: result) }
                }
            case .disconnected(let reason, _):
                update { $0.data.append(streamLine: "-- stream disconnected: \(reason); reconnecting") }
            case .connected:
                update { $0.data.append(streamLine: "-- stream connected") }
            }
        }
    }

    private func load(_ view: View) async {
        do {
            switch view {
            case .job(let id): let d = try await client.job(id); update { $0.data.jobDetails[id] = d }
            case .run(let id): let r = try await client.run(id); update { $0.data.runDetails[id] = r }
            case .trace(let id): let t = try await client.trace(id); update { $0.data.traces[id] = t }
            case .memory(let ref): let m = try await client.memory(pointer: ref); update { $0.data.memory[ref] = m }
            default: break
            }
        } catch {
            update { $0.message = Self.describe(error) }
        }
    }

    // MARK: Effects

    func perform(_ effect: Effect) async {
        do {
            switch effect {
            case .quit: return
            case .load(let view): await load(view); return
            case .cancelJobs(let ids):
                for id in ids { _ = try await client.cancel(id) }
                update {
                    $0.message = "cancelled \(ids.count) job\(ids.count == 1 ? "" : "s")"; $0.lists[.jobs]?.marks = []
                }
            case .cancelRun(let id):
                try await client.cancelRun(try await client.run(id))
                update { $0.message = "run \(id) cancelled" }
            case .approve(let refs):
                for ref in refs {
                    try await client.decide(
                        try await client.run(ref.run), step: ref.step,
                        ApprovalDecision(approved: true, approver: Self.user, reason: "approved in the console"))
                }
                update { $0.message = "approved \(refs.map(\.step).joined(separator: ", "))" }
            case .reject(let ref, let reason):
                try await client.decide(
                    try await client.run(ref.run), step: ref.step,
                    ApprovalDecision(approved: false, approver: Self.user, reason: reason))
                update { $0.message = "rejected \(ref.step): \(reason)" }
            case .retryDeadLetters(let ids):
                for id in ids { _ = try await client.retryDeadLetter(id) }
                update { $0.message = "retried \(ids.count)" }
            case .deleteDeadLetters(let ids):
                for id in ids { try await client.deleteDeadLetter(id) }
                update {
                    $0.message = "deleted \(ids.count)"; $0.lists[.dlq]?.marks = []
                }
            }
            await refresh()
        } catch {
            update { $0.message = "error: \(Self.describe(error))" }
        }
    }

    private func update(_ change: (inout Console) -> Void) {
        state.withLock { c in
            change(&c)
            c.clampSelection()
        }
        redraw.yield()
    }

    static var user: String? { ProcessInfo.processInfo.environment["USER"] }

    static func describe(_ error: any Error) -> String {
        if let e = error as? ClientError {
            if case .unreachable(let url, _) = e { return "cannot reach \(url)" }
            return e.description
        }
        return "\(error)"
    }
}

/// A bus packet as one line of the stream view.
enum StreamText {
    static func line(_ p: Coretex_Agent_V1_BusPacket) -> String {
        let time = (p.hasCreatedAt ? p.createdAt.date : Date()).formatted(
            .dateTime.hour(.twoDigits(amPM: .omitted)).minute(.twoDigits).second(.twoDigits))
        switch p.payload {
        case .jobRequest(let r)?: return "\(time)  request  \(r.jobID)  \(r.topic)"
        case .jobResult(let r)?:
            return "\(time)  result   \(r.jobID)  \(r.status)" + (r.workerID.isEmpty ? "" : "  \(r.workerID)")
                + (r.errorMessage.isEmpty ? "" : "  \(r.errorMessage)")
        case .alert(let a)?: return "\(time)  alert    \(a.level) \(a.code): \(a.message)"
        case .heartbeat(let h)?: return "\(time)  heartbeat \(h.workerID)"
        case nil: return "\(time)  ?"
        }
    }
}
