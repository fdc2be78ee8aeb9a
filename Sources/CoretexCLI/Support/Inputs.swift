import CoretexProtocol
import Foundation

/// JSON given on the command line, with an error that says where it broke.
enum JSONInput {
    static func parse(_ text: String, what: String) throws -> JSONValue {
        if let value = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) { return value }
        // Foundation on Linux does not say where JSON is wrong; find the spot ourselves.
        let problem = JSONLocator.firstError(in: text) ?? "not a JSON value"
        throw CtxError("\(what) is not valid JSON: \(problem)")
    }
}

/// A strict JSON scanner whose only job is to describe the first error with its position.
struct JSONLocator {
    private let bytes: [UInt8]
    private var i = 0

    static func firstError(in text: String) -> String? {
        var scanner = JSONLocator(bytes: Array(text.utf8))
        do {
            scanner.space()
            try scanner.value()
            scanner.space()
            if scanner.i < scanner.bytes.count { throw scanner.failure("unexpected text after the value") }
            return nil
        } catch let error as Failure {
            return error.message
        } catch {
            return "\(error)"
        }
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    struct Failure: Error { let message: String }

    private func failure(_ what: String) -> Failure {
        let before = bytes[..<min(i, bytes.count)]
        let line = before.filter { $0 == UInt8(ascii: "\n") }.count + 1
        let column = i - (before.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0) + 1
        let found = i < bytes.count ? "'\(String(decoding: [bytes[i]], as: UTF8.self))'" : "end of input"
        return Failure(message: "\(what) at line \(line), column \(column) (found \(found))")
    }

    private var current: UInt8? { i < bytes.count ? bytes[i] : nil }

    private mutating func space() {
        while let c = current, c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i += 1 }
    }

    private mutating func expect(_ c: Character) throws {
        guard current == c.asciiValue else { throw failure("expected '\(c)'") }
        i += 1
    }

    private mutating func value() throws {
        switch current {
        case UInt8(ascii: "{"): try object()
        case UInt8(ascii: "["): try array()
        case UInt8(ascii: "\""): try string()
        case let c? where c == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c): number()
        default:
            for word in ["true", "false", "null"] where bytes[i...].starts(with: word.utf8) {
                i += word.utf8.count
                return
            }
            throw failure("expected a value")
        }
    }

    private mutating func object() throws {
        i += 1
        space()
        if current == UInt8(ascii: "}") { i += 1; return }
        while true {
            space()
            guard current == UInt8(ascii: "\"") else { throw failure("expected a key in quotes") }
            try string()
            space()
            try expect(":")
            space()
            try value()
            space()
            if current == UInt8(ascii: ",") { i += 1; continue }
            try expect("}")
            return
        }
    }

    private mutating func array() throws {
        i += 1
        space()
        if current == UInt8(ascii: "]") { i += 1; return }
        while true {
            space()
            try value()
            space()
            if current == UInt8(ascii: ",") { i += 1; continue }
            try expect("]")
            return
        }
    }

    private mutating func string() throws {
        i += 1
        while let c = current {
            i += 1
            if c == UInt8(ascii: "\\") { i += 1 } else if c == UInt8(ascii: "\"") { return }
        }
        throw failure("unterminated string")
    }

    private mutating func number() {
        while let c = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) || "+-.eE".utf8.contains(c) { i += 1 }
    }
}

enum Files {
    /// The text of a file (`-` is stdin), with a clear error when it cannot be read.
    static func readText(_ path: String) throws -> String {
        if path == "-" { return String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self) }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CtxError("\(path): no such file")
        }
        guard !isDirectory.boolValue, let data = FileManager.default.contents(atPath: path) else {
            throw CtxError("\(path): cannot read (is it a directory or unreadable?)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
