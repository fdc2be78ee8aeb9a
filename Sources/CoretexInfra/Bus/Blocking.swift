import Dispatch

/// Runs a blocking C call (nats.c flush/request/connect, hiredis) off Swift's cooperative
/// pool, which has only as many threads as cores (2 here): blocking one would stall every task.
func runBlocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(with: Result { try work() })
        }
    }
}
