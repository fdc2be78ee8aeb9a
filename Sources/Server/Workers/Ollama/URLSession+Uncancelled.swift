import Foundation
import Synchronization

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

extension URLSession {
    /// `data(for:)` that never cancels the underlying task.
    ///
    /// swift-corelibs-foundation crashes the process ("Trying to access a behaviour for a task
    /// that in not in the registry") when a task is cancelled while it is failing, which is
    /// exactly what happens when a server goes away under concurrent requests (the console
    /// crashed this way when its gateway stopped). Here a cancelled caller gets
    /// `CancellationError` at once and the request is left to end on its own timeout.
    func uncancelledData(for request: URLRequest) async throws -> (Data, URLResponse) {
        let slot = ContinuationSlot<(Data, URLResponse)>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                guard slot.install(continuation) else { return }
                dataTask(with: request) { data, response, error in
                    if let error {
                        slot.resume(.failure(error))
                    } else if let response {
                        slot.resume(.success((data ?? Data(), response)))
                    } else {
                        slot.resume(.failure(URLError(.badServerResponse)))
                    }
                }.resume()
            }
        } onCancel: {
            slot.resume(.failure(CancellationError()))
        }
    }
}

/// A continuation resumed at most once, by whichever comes first: the answer or a cancel
/// (which may even come before the continuation exists).
final class ContinuationSlot<T: Sendable>: Sendable {
    private enum State {
        case empty
        case waiting(CheckedContinuation<T, any Error>)
        case done
    }

    private let state = Mutex<State>(.empty)

    /// Stores the continuation; false (after resuming it with a cancellation) when the caller
    /// was already cancelled.
    func install(_ continuation: CheckedContinuation<T, any Error>) -> Bool {
        let cancelled = state.withLock { s -> Bool in
            if case .done = s { return true }
            s = .waiting(continuation)
            return false
        }
        if cancelled { continuation.resume(throwing: CancellationError()) }
        return !cancelled
    }

    func resume(_ result: Result<T, any Error>) {
        let waiting = state.withLock { s -> CheckedContinuation<T, any Error>? in
            defer { s = .done }
            if case .waiting(let c) = s { return c }
            return nil
        }
        waiting?.resume(with: result)
    }
}
