import ServiceLifecycle

/// Sleeps for `duration` unless the process starts shutting down (or the task is cancelled)
/// first. Returns false when the caller's loop should stop. Periodic loops use this so a
/// graceful shutdown never waits out a long interval.
package func pause(_ duration: Duration) async -> Bool {
    do {
        try await cancelWhenGracefulShutdown { try await Task.sleep(for: duration) }
        return !Task.isShuttingDownGracefully && !Task.isCancelled
    } catch {
        return false
    }
}
