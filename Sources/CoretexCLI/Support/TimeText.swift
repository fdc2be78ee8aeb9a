import Foundation

/// Times as operators read them: relative ages in tables (`4s`, `3m`, `2h5m`, `6d`), RFC 3339
/// in machine output.
enum TimeText {
    static func age(seconds: Double) -> String {
        let s = max(0, Int(seconds.rounded(.down)))
        switch s {
        case ..<60: return "\(s)s"
        case ..<3600: return "\(s / 60)m\(s % 60 == 0 || s >= 600 ? "" : "\(s % 60)s")"
        case ..<86400: return "\(s / 3600)h\((s % 3600) / 60 == 0 || s >= 36000 ? "" : "\((s % 3600) / 60)m")"
        default: return "\(s / 86400)d"
        }
    }

    static func age(since unix: Int, now: Date = Date()) -> String {
        unix <= 0 ? "-" : age(seconds: now.timeIntervalSince1970 - Double(unix))
    }

    /// A duration given in seconds: `850ms`, `2.4s`, `3m10s`.
    static func duration(seconds: Double) -> String {
        if seconds < 1 { return "\(Int((seconds * 1000).rounded()))ms" }
        if seconds < 60 { return String(format: "%.1fs", seconds) }
        return age(seconds: seconds)
    }

    static func rfc3339(unix: Int) -> String {
        Date(timeIntervalSince1970: TimeInterval(unix)).formatted(.iso8601)
    }

    /// `30s`, `5m`, `2h`, `7d` → seconds.
    static func parseSpan(_ text: String) -> Int? {
        if let n = Int(text) { return n >= 0 ? n : nil }
        guard let unit = text.last, let n = Int(text.dropLast()), n >= 0 else { return nil }
        switch unit {
        case "s": return n
        case "m": return n * 60
        case "h": return n * 3600
        case "d": return n * 86400
        default: return nil
        }
    }
}
