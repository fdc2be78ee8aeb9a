/// The two loops several commands share: polling until something is final, and applying one
/// action to many ids without stopping at the first failure.
enum Repeat {
    /// Fetches until `isFinal`, fast at first (an echo job is seen done at once), then every
    /// half second; `observe` sees every fetch (for `--follow`). Fails after `seconds`.
    static func poll<T>(
        _ what: String, timeout seconds: Int, fetch: () async throws -> T, observe: (T) throws -> Void = { _ in },
        isFinal: (T) -> Bool, describe: (T) -> String
    ) async throws -> T {
        let deadline = ContinuousClock.now + .seconds(seconds)
        var interval = Duration.milliseconds(20)
        while true {
            let value = try await fetch()
            try observe(value)
            if isFinal(value) { return value }
            guard ContinuousClock.now < deadline else {
                throw CtxError("gave up waiting for \(what) after \(seconds)s (\(describe(value)))")
            }
            try await Task.sleep(for: interval)
            interval = min(interval * 2, .milliseconds(500))
        }
    }

    /// Runs `action` for every id; a failure is reported on stderr (`ctx: <what> <id>: …`) and
    /// the rest still run. Throws at the end with the first failure's exit status.
    static func each(_ ids: [String], _ what: String, _ action: (String) async throws -> Void) async throws {
        var failure: CtxError?
        for id in ids {
            do {
                try await action(id)
            } catch {
                let e = CtxError.from(error)
                Out.error("ctx: \(what) \(id): \(e.description)")
                failure = failure ?? e
            }
        }
        if let failure { throw CtxError.reported(failure.status) }
    }
}
