import Foundation

/// Unix time helpers; the contract stores whole seconds.
enum UnixTime {
    static var now: Int { Int(Date().timeIntervalSince1970) }

    /// RFC 3339 UTC with fractional seconds (`2025-12-20T13:28:25.123Z`).
    static func rfc3339(_ date: Date = Date(), fractional: Bool = true) -> String {
        var style = Date.ISO8601FormatStyle(timeZone: .gmt)
        if fractional { style = style.time(includingFractionalSeconds: true) }
        return date.formatted(style)
    }
}
