import Testing

@testable import CoretexWorkers

/// `execution_ms` comes from one reading of the clock: seconds and the fraction of the same
/// difference, so a second boundary is neither lost nor counted twice.
@Suite struct ExecutionTimeTests {
    @Test func millisecondsOfADurationKeepItsSecondsAndFraction() {
        #expect(WorkerRuntime.milliseconds(.seconds(1) + .milliseconds(999)) == 1999)
        #expect(WorkerRuntime.milliseconds(.milliseconds(2500)) == 2500)
        #expect(WorkerRuntime.milliseconds(.microseconds(999)) == 0)
        #expect(WorkerRuntime.milliseconds(.seconds(3)) == 3000)
    }
}
