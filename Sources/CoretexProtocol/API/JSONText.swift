import Foundation

/// JSON handled as text: checking that bytes are one JSON document (RFC 8259) without building
/// anything, and quoting strings, so a document that is only passed along (the echo worker's
/// `received_ctx`) need not be decoded into a `JSONValue` and encoded again — that round trip
/// was the largest single cost of an echo job in profiles.
public enum JSONText {
    /// True when `data` is exactly one JSON value, optionally surrounded by whitespace, in
    /// valid UTF-8, with no unpaired surrogate escapes: whatever it accepts, `JSONValue.parse`
    /// reads. It errs on the side of refusing: numbers with an exponent (see `number()`), and
    /// what the decoder takes beyond RFC 8259, such as a trailing comma in an array. Callers
    /// fall back to decoding for those.
    public static func isValid(_ data: Data) -> Bool {
        data.withUnsafeBytes { bytes in
            var scanner = Scanner(bytes: bytes)
            return scanner.document()
        }
    }

    /// `text` as a JSON string literal.
    public static func quoted(_ text: String) -> String {
        // Most text (ids, topics, times, short prompts) needs no escape: quote it whole.
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            return "\"" + text + "\""
        }
        var out = "\""
        out.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                out += "\\u00" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// A recursive-descent recogniser over the bytes; nesting deeper than `maxDepth` is refused
/// rather than risking the stack.
private struct Scanner {
    let bytes: UnsafeRawBufferPointer
    var i = 0
    static let maxDepth = 512

    init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    mutating func document() -> Bool {
        skipSpace()
        guard value(depth: 0) else { return false }
        skipSpace()
        return i == bytes.count
    }

    private var current: UInt8? { i < bytes.count ? bytes[i] : nil }

    private mutating func skipSpace() {
        while let c = current, c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { i += 1 }
    }

    private mutating func value(depth: Int) -> Bool {
        guard let c = current, depth < Self.maxDepth else { return false }
        switch c {
        case UInt8(ascii: "{"): return container(close: UInt8(ascii: "}"), keyed: true, depth: depth)
        case UInt8(ascii: "["): return container(close: UInt8(ascii: "]"), keyed: false, depth: depth)
        case UInt8(ascii: "\""): return string()
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        default: return number()
        }
    }

    /// An object (`keyed`) or an array, starting at its opening bracket.
    private mutating func container(close: UInt8, keyed: Bool, depth: Int) -> Bool {
        i += 1
        skipSpace()
        if current == close {
            i += 1
            return true
        }
        while true {
            if keyed {
                guard current == UInt8(ascii: "\""), string() else { return false }
                skipSpace()
                guard current == UInt8(ascii: ":") else { return false }
                i += 1
                skipSpace()
            }
            guard value(depth: depth + 1) else { return false }
            skipSpace()
            switch current {
            case UInt8(ascii: ","):
                i += 1
                skipSpace()
            case close:
                i += 1
                return true
            default:
                return false
            }
        }
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard bytes.count - i >= count else { return false }
        for k in 0..<count where bytes[i + k] != word.utf8Start[k] { return false }
        i += count
        return true
    }

    private mutating func digits() -> Bool {
        let start = i
        while let c = current, c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") { i += 1 }
        return i > start
    }

    private mutating func number() -> Bool {
        let start = i
        guard numberSyntax() else { return false }
        // Exponents are refused: the decoder reads them inconsistently (it refuses 0e1 and
        // 1e-390 but takes 0E0 and 1e1), and JSON written by this system has none.
        if bytes[start..<i].contains(where: { $0 | 0x20 == UInt8(ascii: "e") }) { return false }
        return i - start <= 15 || Double(String(decoding: bytes[start..<i], as: UTF8.self))?.isFinite == true
    }

    private mutating func numberSyntax() -> Bool {
        if current == UInt8(ascii: "-") { i += 1 }
        if current == UInt8(ascii: "0") {
            i += 1
        } else if !digits() {
            return false
        }
        if current == UInt8(ascii: ".") {
            i += 1
            guard digits() else { return false }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            i += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { i += 1 }
            guard digits() else { return false }
        }
        return true
    }

    /// A string, starting at its opening quote.
    private mutating func string() -> Bool {
        i += 1
        while let c = current {
            switch c {
            case UInt8(ascii: "\""):
                i += 1
                return true
            case UInt8(ascii: "\\"):
                guard escape() else { return false }
            case 0..<0x20:
                return false
            case 0x80...:
                guard utf8Sequence() else { return false }
            default:
                i += 1
            }
        }
        return false
    }

    /// `\x` or `\uXXXX` (a high surrogate must be followed by an escaped low one).
    private mutating func escape() -> Bool {
        i += 1
        guard let c = current else { return false }
        switch c {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
            UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            i += 1
            return true
        case UInt8(ascii: "u"):
            guard let unit = hex4() else { return false }
            switch unit {
            case 0xD800...0xDBFF:
                guard current == UInt8(ascii: "\\"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "u") else {
                    return false
                }
                i += 1
                guard let low = hex4(), (0xDC00...0xDFFF).contains(low) else { return false }
                return true
            case 0xDC00...0xDFFF:
                return false
            default:
                return true
            }
        default:
            return false
        }
    }

    /// Reads `uXXXX` (at the `u`) and returns the code unit.
    private mutating func hex4() -> UInt32? {
        guard bytes.count - i >= 5 else { return nil }
        var unit: UInt32 = 0
        for k in 1...4 {
            let c = bytes[i + k]
            let digit: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = c - UInt8(ascii: "A") + 10
            default: return nil
            }
            unit = unit << 4 | UInt32(digit)
        }
        i += 5
        return unit
    }

    /// One well-formed multi-byte UTF-8 sequence (no overlongs, surrogates or values past U+10FFFF).
    private mutating func utf8Sequence() -> Bool {
        let lead = bytes[i]
        let (count, low, high): (Int, UInt8, UInt8) =
            switch lead {
            case 0xC2...0xDF: (1, 0x80, 0xBF)
            case 0xE0: (2, 0xA0, 0xBF)
            case 0xE1...0xEC, 0xEE...0xEF: (2, 0x80, 0xBF)
            case 0xED: (2, 0x80, 0x9F)
            case 0xF0: (3, 0x90, 0xBF)
            case 0xF1...0xF3: (3, 0x80, 0xBF)
            case 0xF4: (3, 0x80, 0x8F)
            default: (0, 0, 0)
            }
        guard count > 0, bytes.count - i > count else { return false }
        guard (low...high).contains(bytes[i + 1]) else { return false }
        for k in stride(from: 2, through: count, by: 1) where !(0x80...0xBF).contains(bytes[i + k]) { return false }
        i += count + 1
        return true
    }
}
