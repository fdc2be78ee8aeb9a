import Foundation

/// Unix time helpers; the contract stores whole seconds.
package enum UnixTime {
    package static var now: Int { Int(Date().timeIntervalSince1970) }

    /// RFC 3339 UTC, with milliseconds unless `fractional` is false (`2025-12-20T13:28:25.123Z`).
    /// Written by hand: every job stamps a few of these, and a format style per call showed in
    /// profiles. Same text as `Date.ISO8601FormatStyle` (a test compares them).
    package static func rfc3339(_ date: Date = Date(), fractional: Bool = true) -> String {
        let since = date.timeIntervalSince1970
        var seconds = time_t(since.rounded(.down))
        var t = tm()
        gmtime_r(&seconds, &t)
        var text = digits(Int(t.tm_year) + 1900, 4) + "-" + digits(Int(t.tm_mon) + 1, 2) + "-" + digits(Int(t.tm_mday), 2)
        text += "T" + digits(Int(t.tm_hour), 2) + ":" + digits(Int(t.tm_min), 2) + ":" + digits(Int(t.tm_sec), 2)
        if fractional { text += "." + digits(min(Int((since - Double(seconds)) * 1000), 999), 3) }
        return text + "Z"
    }

    private static func digits(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
