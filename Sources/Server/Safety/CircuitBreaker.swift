import Foundation
import Synchronization

/// Protects the scheduler from a safety kernel that is down: after `threshold` consecutive
/// failures every check is denied without a call for `openFor`; then `probes` calls may try,
/// and `closeAfter` successes close it again. While it is open no job is judged: the
/// scheduler holds them (fail closed) and asks again.
final class CircuitBreaker: Sendable {
    enum Decision: Equatable {
        case call
        case reject(String)
    }

    private enum Phase { case closed, open(until: Date), halfOpen(slots: Int, successes: Int) }

    private struct State {
        var phase = Phase.closed
        var failures = 0
    }

    private let state = Mutex(State())
    let threshold: Int
    let openFor: TimeInterval
    let probes: Int
    let closeAfter: Int

    init(threshold: Int = 3, openFor: TimeInterval = 5, probes: Int = 3, closeAfter: Int = 2) {
        self.threshold = threshold
        self.openFor = openFor
        self.probes = probes
        self.closeAfter = closeAfter
    }

    func admit(now: Date = Date()) -> Decision {
        state.withLock { s in
            switch s.phase {
            case .closed:
                return .call
            case .open(let until):
                guard now >= until else { return .reject("safety kernel circuit open") }
                s.phase = .halfOpen(slots: probes - 1, successes: 0)
                return .call
            case .halfOpen(let slots, let successes):
                guard slots > 0 else { return .reject("safety kernel circuit half-open (throttled)") }
                s.phase = .halfOpen(slots: slots - 1, successes: successes)
                return .call
            }
        }
    }

    func succeeded() {
        state.withLock { s in
            switch s.phase {
            case .halfOpen(let slots, let successes):
                if successes + 1 >= closeAfter {
                    s = State()
                } else {
                    s.phase = .halfOpen(slots: slots, successes: successes + 1)
                }
            default:
                s.failures = 0
            }
        }
    }

    func failed(now: Date = Date()) {
        state.withLock { s in
            switch s.phase {
            case .halfOpen:
                s.phase = .open(until: now.addingTimeInterval(openFor))
            default:
                s.failures += 1
                if s.failures >= threshold {
                    s.failures = 0
                    s.phase = .open(until: now.addingTimeInterval(openFor))
                }
            }
        }
    }
}
