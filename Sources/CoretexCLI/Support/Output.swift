import ArgumentParser
import CoretexProtocol
import Foundation
import Yams

/// `-o table|wide|json|yaml|jsonl`, shared by every command that prints something.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case table, wide, json, yaml, jsonl

    var isMachine: Bool { self == .json || self == .yaml || self == .jsonl }
}

struct OutputOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "Output format: table, wide, json, yaml or jsonl.")
    var output: OutputFormat = .table

    @Flag(name: .customLong("no-headers"), help: "Leave out table headers.")
    var noHeaders = false
}

/// Prints values in the chosen format: tables for people, JSON/YAML/JSONL for programs.
struct Printer: Sendable {
    let format: OutputFormat
    let headers: Bool
    let terminal: Terminal

    init(_ options: OutputOptions, terminal: Terminal = .current) {
        format = options.output
        headers = !options.noHeaders
        self.terminal = terminal
    }

    var style: Style { Style(enabled: terminal.colours && !format.isMachine) }

    func table(_ table: Table) {
        Out.lines(table.render(width: terminal.width, headers: headers, wide: format == .wide, style: style))
    }

    /// One value: pretty JSON, YAML, or one JSON line.
    func value(_ value: some Encodable) throws {
        Out.line(try Self.encode(value, format))
    }

    /// A list: JSON array / YAML list, or one JSON line per item with `jsonl`.
    func list<T: Encodable>(_ items: [T]) throws {
        if format == .jsonl {
            Out.lines(try items.map { try Self.encode($0, .jsonl) })
        } else {
            try value(items)
        }
    }

    static func encode(_ value: some Encodable, _ format: OutputFormat) throws -> String {
        switch format {
        case .yaml:
            // Through JSONValue so YAML shows the same keys and shapes as JSON.
            let json = try JSONValue(encoding: value)
            var text = try YAMLEncoder().encode(json)
            while text.hasSuffix("\n") { text.removeLast() }
            return text
        case .jsonl:
            let e = JSONEncoder()
            e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return String(decoding: try e.encode(value), as: UTF8.self)
        default:
            let e = JSONEncoder()
            e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            return String(decoding: try e.encode(value), as: UTF8.self)
        }
    }
}
