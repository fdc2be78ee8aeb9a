import CoretexProtocol
import Foundation
import Testing

@testable import CoretexCLI

@Suite struct OutputTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static var records: [JobRecord] {
        var a = JobRecord(id: "3f2a9c1e-7b44-4d0a-9d1e-0c6b7a5e2f10", updatedAt: 1_799_999_998, state: "SUCCEEDED")
        a.topic = "job.echo"
        a.workerID = "worker-echo-1"
        a.createdAt = 1_799_999_996
        a.traceID = "9b0e4c2d-1111-4a2b-8c3d-5e6f7a8b9c0d"
        a.tenant = "default"
        a.safetyDecision = "ALLOW"
        var b = JobRecord(id: "a1b2c3d4-0000-4e5f-8a9b-0c1d2e3f4a5b", updatedAt: 1_799_999_000, state: "DENIED")
        b.topic = "job.code.llm"
        b.createdAt = 1_799_998_900
        b.traceID = "t-2"
        b.tenant = "restricted"
        b.safetyDecision = "DENY"
        b.safetyReason = "topic job.code.llm is not allowed for tenant restricted"
        return [a, b]
    }

    @Test func jobTableAtFullWidth() {
        let lines = JobView.table(Self.records, now: Self.now).render(width: nil, style: Style(enabled: false))
        Golden.check(lines.joined(separator: "\n"), "job-table")
    }

    @Test func jobTableFitsEightyColumns() {
        let lines = JobView.table(Self.records, now: Self.now).render(width: 80, style: Style(enabled: false))
        Golden.check(lines.joined(separator: "\n"), "job-table-80")
        for line in lines { #expect(line.count <= 80, "\(line.count): \(line)") }
        #expect(lines[1].contains("…"))
    }

    @Test func wideShowsMoreColumnsAndNoHeadersDropsTheHeader() {
        let table = JobView.table(Self.records, now: Self.now)
        let wide = table.render(width: nil, wide: true, style: Style(enabled: false))
        #expect(wide[0].contains("TENANT") && wide[0].hasSuffix("SAFETY"))
        #expect(wide[2].contains("DENY: topic job.code.llm"))
        let bare = table.render(width: nil, headers: false, style: Style(enabled: false))
        #expect(bare.count == 2)
        #expect(bare[0].hasPrefix("3f2a9c1e"))
    }

    @Test func coloursOnlyWhenEnabled() {
        let table = JobView.table(Self.records, now: Self.now)
        #expect(table.render(width: nil, style: Style(enabled: true))[1].contains("\u{1B}[32mSUCCEEDED\u{1B}[0m"))
        #expect(!table.render(width: nil, style: Style(enabled: false)).joined().contains("\u{1B}"))
        // Colour codes do not count towards the column width.
        let plain = table.render(width: nil, style: Style(enabled: false))[1]
        let painted = table.render(width: nil, style: Style(enabled: true))[1].replacingOccurrences(of: "\u{1B}[32m", with: "")
            .replacingOccurrences(of: "\u{1B}[0m", with: "")
        #expect(plain == painted)
    }

    @Test func ages() {
        #expect(TimeText.age(seconds: 4.9) == "4s")
        #expect(TimeText.age(seconds: 125) == "2m5s")
        #expect(TimeText.age(seconds: 900) == "15m")
        #expect(TimeText.age(seconds: 7500) == "2h5m")
        #expect(TimeText.age(seconds: 3 * 86400 + 5) == "3d")
        #expect(TimeText.duration(seconds: 0.25) == "250ms")
        #expect(TimeText.duration(seconds: 2.4) == "2.4s")
        #expect(TimeText.parseSpan("90s") == 90)
        #expect(TimeText.parseSpan("2h") == 7200)
        #expect(TimeText.parseSpan("7d") == 604_800)
        #expect(TimeText.parseSpan("12") == 12)
        #expect(TimeText.parseSpan("soon") == nil)
        #expect(TimeText.rfc3339(unix: 1_800_000_000) == "2027-01-15T08:00:00Z")
    }

    @Test func machineFormats() throws {
        let r = Self.records[0]
        let json = try Printer.encode(r, .json)
        #expect(json.contains("\n  \"id\" : \"3f2a9c1e-7b44-4d0a-9d1e-0c6b7a5e2f10\""))
        let line = try Printer.encode(r, .jsonl)
        #expect(!line.contains("\n"))
        #expect(JSONValue.parse(Data(line.utf8))?["state"] == .string("SUCCEEDED"))
        let yaml = try Printer.encode(r, .yaml)
        #expect(yaml.contains("state: SUCCEEDED"))
        #expect(yaml.contains("worker_id: worker-echo-1"))
    }

    @Test func jsonErrorsSayWhere() {
        #expect(throws: CtxError.self) { try JSONInput.parse("{\"a\": }", what: "--json") }
        do {
            _ = try JSONInput.parse("{\"a\": 1,\n \"b\": tru}", what: "--json")
        } catch let error as CtxError {
            #expect(error.description.hasPrefix("--json is not valid JSON"))
            #expect(error.description.contains("line 2, column 7 (found 't')"), "\(error.description)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func jsonLocatorFindsTheFirstError() {
        #expect(JSONLocator.firstError(in: #"{"a": [1, 2, {"b": null}], "c": "x\"y"}"#) == nil)
        #expect(JSONLocator.firstError(in: #"{"a" 1}"#) == "expected ':' at line 1, column 6 (found '1')")
        #expect(JSONLocator.firstError(in: "[1, 2") == "expected ']' at line 1, column 6 (found end of input)")
        #expect(JSONLocator.firstError(in: "{} x") == "unexpected text after the value at line 1, column 4 (found 'x')")
        #expect(JSONLocator.firstError(in: "{'a': 1}") == "expected a key in quotes at line 1, column 2 (found ''')")
    }

    @Test func labelsParse()
        throws
    {
        #expect(try LabelList.parse(["a=1", "b=x=y", "c="]) == ["a": "1", "b": "x=y", "c": ""])
        #expect(throws: (any Error).self) { try LabelList.parse(["nokey"]) }
        #expect(throws: (any Error).self) { try LabelList.parse(["=v"]) }
    }

    @Test func workerLoadBar() {
        #expect(WorkersCommand.bar(0, 16) == "[..........]")
        #expect(WorkersCommand.bar(4, 16) == "[###.......]")
        #expect(WorkersCommand.bar(16, 16) == "[##########]")
        #expect(WorkersCommand.bar(3, 0) == "-")
    }
}
