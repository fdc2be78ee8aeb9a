import CoretexProtocol
import Foundation
import Testing

/// Whatever `JSONText.isValid` accepts, the JSON decoder must read: the echo worker passes a
/// context through as text only when it is valid (and decodes it the slow way otherwise).
struct JSONTextTests {
    static let valid = [
        "{}", "[]", "0", "-0", "1.5", "-12.25", "123456789012345678901234567890", "true", "false", "null", #""""#, " \n\t{ } \r\n",
        #"{"a":[1,2,{"b":null}],"c":"x\"y\\z\/\b\f\n\r\t\u00e9\uD83D\uDE00"}"#,
        "\"héllo ✓ 😀\"", #"[[[[[]]]]]"#, #"{"k" : "v" , "n" : [ 1 , 2 ] }"#,
    ]
    static let invalid = [
        "", " ", "{", "}", "[1,]", "{\"a\":1,}", "{\"a\"}", "{a:1}", "01", "1.", ".5", "-", "1e", "+1", "tru",
        "nul", "True", "'x'", "\"abc", "\"a\nb\"", "\"\\x\"", "\"\\u12\"", "\"\\uD800\"", "\"\\uDC00\"",
        "\"\\uD800\\u0041\"", "{} {}", "[1] x", "NaN", "[1 2]", "{\"a\" 1}",
        "1e1", "0E0", "1.5e-3",  // exponents: left to the decoder
    ]

    @Test func acceptsJSONAndRefusesTheRest() {
        for text in Self.valid {
            #expect(JSONText.isValid(Data(text.utf8)), "\(text)")
            #expect(JSONValue.parse(Data(text.utf8)) != nil, "the decoder disagrees on \(text)")
        }
        for text in Self.invalid {
            #expect(!JSONText.isValid(Data(text.utf8)), "\(text)")
        }
    }

    @Test func refusesMalformedUTF8() {
        let bad: [[UInt8]] = [
            [0x22, 0xFF, 0x22], [0x22, 0xC3, 0x22], [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22],
            [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], [0x22, 0xE2, 0x9C, 0x22],
        ]
        for bytes in bad { #expect(!JSONText.isValid(Data(bytes)), "\(bytes)") }
        #expect(JSONText.isValid(Data([0x22, 0xE2, 0x9C, 0x93, 0x22])))  // "✓"
    }

    @Test func refusesNestingDeeperThanTheLimit() {
        #expect(JSONText.isValid(Data((String(repeating: "[", count: 500) + String(repeating: "]", count: 500)).utf8)))
        #expect(!JSONText.isValid(Data((String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)).utf8)))
    }

    /// Mutations of valid documents (a byte dropped, replaced or inserted) judged by both: they
    /// agree on every one, except where `isValid` refuses to be safe: a trailing comma in an
    /// array or an exponent, which the decoder may take.
    @Test func agreesWithTheDecoderOnMutatedDocuments() {
        var rng = SplitMix64(seed: 42)
        let alphabet = Array(#"{}[]":,.-+eE0123456789 \tabcdefnrstu"\/"#.utf8) + [0x0A, 0xC3, 0xA9, 0xFF]
        var disagreements: [String] = []
        for _ in 0..<20_000 {
            var bytes = Array(Self.valid[Int(rng.next() % UInt64(Self.valid.count))].utf8)
            for _ in 0..<(1 + rng.next() % 2) {
                let at = Int(rng.next() % UInt64(bytes.count + 1))
                let byte = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                switch rng.next() % 3 {
                case 0 where at < bytes.count: bytes.remove(at: at)
                case 1 where at < bytes.count: bytes[at] = byte
                default: bytes.insert(byte, at: at)
                }
            }
            let data = Data(bytes)
            let text = String(decoding: bytes, as: UTF8.self)
            let lenient = text.contains(/,\s*\]/) || text.contains(/[0-9][eE]/)
            if JSONText.isValid(data) != (JSONValue.parse(data) != nil) && !(lenient && !JSONText.isValid(data)) {
                disagreements.append(text)
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(10))")
    }

    @Test func quotesStringsAsJSON() throws {
        for text in ["plain", "quote \" and \\ backslash", "line\nbreak\ttab\r", "\u{01}\u{1F}", "é ✓ 😀", ""] {
            let quoted = JSONText.quoted(text)
            #expect(JSONText.isValid(Data(quoted.utf8)))
            #expect(JSONValue.parse(Data(quoted.utf8)) == .string(text))
        }
    }
}

/// A small deterministic generator, so a failure can be replayed.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
