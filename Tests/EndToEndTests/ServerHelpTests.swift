import CoretexCore
import Foundation
import Testing

/// `coretex-server --help` and `coretex-server env --markdown` come from the one table of
/// environment variables.
@Suite struct ServerHelpTests {
    func run(_ args: String...) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Stack.binary)
        process.arguments = args
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// Help text is wrapped to the terminal's width, so words are compared, not lines.
    func words(_ text: String) -> String { text.split(whereSeparator: \.isWhitespace).joined(separator: " ") }

    @Test func helpListsEveryVariableWithItsDefault() throws {
        let help = words(try run("--help"))
        for v in ConfigVariable.all {
            let entry = v.defaultValue.isEmpty ? v.name : "\(v.name)=\(v.defaultValue)"
            #expect(help.contains(" \(entry) "), "\(entry) missing from --help")
        }
    }

    @Test func envMarkdownIsDocsConfiguration() throws {
        let file = try String(contentsOfFile: "\(Stack.root)/docs/configuration.md", encoding: .utf8)
        #expect(try run("env", "--markdown") == file)
    }
}
