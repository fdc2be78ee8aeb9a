import Foundation
import Testing

@testable import CoretexGateway
@testable import CoretexRuntime

@Suite struct UnixTimeTests {
    @Test func rfc3339IsWhatTheFormatStyleWrites() {
        var rng = SystemRandomNumberGenerator()
        let dates =
            [
                Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 951_782_400.999),  // 2000-02-29
                Date(timeIntervalSince1970: 4_102_444_799.5),
            ]
            + (0..<2000).map { _ in Date(timeIntervalSince1970: Double.random(in: 0..<4_102_444_800, using: &rng)) }
        let whole = Date.ISO8601FormatStyle(timeZone: .gmt)
        let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)
        for date in dates {
            #expect(UnixTime.rfc3339(date, fractional: false) == date.formatted(whole))
            #expect(UnixTime.rfc3339(date) == date.formatted(fractional), "\(date.timeIntervalSince1970)")
        }
        // The date is always there (a style built with `.time(includingFractionalSeconds:)`
        // wrote the time of day alone, which DLQ entries carried before).
        #expect(UnixTime.rfc3339(Date(timeIntervalSince1970: 1.25)) == "1970-01-01T00:00:01.250Z")
    }
}
