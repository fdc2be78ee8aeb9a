import CoretexCore
import Testing

/// The table of endings, read back row by row: what each kind of ending records and tells.
@Suite struct JobEndingTests {
    typealias Row = (ending: JobEnding, state: JobState, deadLetter: Bool, fallback: Bool, event: Bool, notice: Bool, cancel: Bool)

    static let rows: [Row] = [
        (.reported(.succeeded, message: ""), .succeeded, false, false, false, false, false),
        (.reported(.failed, message: "x"), .failed, true, true, false, true, false),
        (.reported(.cancelled, message: "x"), .cancelled, false, false, false, false, false),
        (.denied(reason: "x"), .denied, false, false, true, false, false),
        (.cancelled(reason: "x"), .cancelled, false, true, true, false, true),
        (.cancelledOnBus(reason: "x"), .cancelled, false, true, true, false, false),
        (.timedOut(reason: "x"), .timeout, true, true, true, true, true),
        (.workerLost(reason: "x"), .failed, true, true, true, true, true),
        (.busRefused(reason: "x"), .failed, true, true, false, false, false),
        (.placementGaveUp(reason: "x"), .failed, true, true, true, true, false),
        (.deliveryExhausted(reason: "x"), .failed, true, true, true, true, false),
    ]

    @Test func everyEndingRecordsAndTellsWhatTheTableSays() {
        for row in Self.rows {
            let e = row.ending
            #expect(e.state == row.state, "\(e)")
            #expect(e.isDeadLetter == row.deadLetter, "\(e)")
            #expect(e.writesFallbackResult == row.fallback, "\(e)")
            #expect(e.announcesResult == row.event, "\(e)")
            #expect(e.noticesDeadLetter == row.notice, "\(e)")
            #expect(e.cancelsWorker == row.cancel, "\(e)")
        }
    }

    /// A scheduler decides only about PENDING jobs; a lost worker's job is one it dispatched.
    @Test func endingsApplyOnlyFromTheStatesTheirDeciderOwns() {
        #expect(JobEnding.placementGaveUp(reason: "").defaultSources == [.pending])
        #expect(JobEnding.denied(reason: "").defaultSources == [.pending])
        #expect(JobEnding.workerLost(reason: "").defaultSources == [.scheduled, .dispatched, .running])
        #expect(JobEnding.reported(.failed, message: "").defaultSources == nil)
    }
}
