import Synchronization

/// At most `limit` jobs at once: `acquire` takes a free slot or waits, in arrival order, for
/// one to be released. Taking a free slot does not suspend.
final class JobSlots: Sendable {
    private struct State {
        var free: Int
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private let state: Mutex<State>

    init(_ limit: Int) {
        state = Mutex(State(free: max(limit, 1)))
    }

    func acquire() async {
        if state.withLock({ Self.take(&$0) }) { return }
        await withCheckedContinuation { continuation in
            let ready = state.withLock { s -> Bool in
                if Self.take(&s) { return true }
                s.waiting.append(continuation)
                return false
            }
            if ready { continuation.resume() }
        }
    }

    private static func take(_ s: inout State) -> Bool {
        guard s.free > 0 else { return false }
        s.free -= 1
        return true
    }

    /// True when `count` callers wait (for tests).
    func hasWaiters(_ count: Int) -> Bool { state.withLock { $0.waiting.count == count } }

    func release() {
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if s.waiting.isEmpty {
                s.free += 1
                return nil
            }
            return s.waiting.removeFirst()
        }
        next?.resume()
    }
}
