import ArgumentParser
import CoretexClient
import CoretexProtocol
import Foundation
import Testing

@testable import CoretexCLI

@Suite struct HelpAndViewTests {
    /// The help texts are part of the interface: a change shows up as a golden-file diff.
    @Test(arguments: [
        ("ctx", Ctx.self as any ParsableCommand.Type), ("job-submit", JobSubmit.self), ("job-list", JobList.self),
        ("stream", StreamCommand.self), ("memory", MemoryCommand.self), ("context", ContextCommand.self),
    ])
    func helpTexts(name: String, command: any ParsableCommand.Type) {
        Golden.check(Ctx.helpMessage(for: command, columns: 100), "help-\(name)")
    }

    @Test func endpointPrecedenceIsFlagThenEnvironmentThenContext() throws {
        let file = ContextFile(
            currentContext: "prod",
            contexts: [
                "prod": .init(gateway: "https://prod.example", apiKey: "ctx-key", tenant: "acme"),
                "dev": .init(gateway: "127.0.0.1:9000/"),
            ])
        let fromContext = try file.endpoint(gateway: nil, apiKey: nil, tenant: nil, context: nil, environment: [:])
        #expect(fromContext == GatewayEndpoint(url: "https://prod.example", apiKey: "ctx-key", tenant: "acme"))
        let env = ["CTX_GATEWAY": "http://env:1", "CORETEX_API_KEY": "env-key"]
        let fromEnv = try file.endpoint(gateway: nil, apiKey: nil, tenant: nil, context: nil, environment: env)
        #expect(fromEnv.url == "http://env:1" && fromEnv.apiKey == "env-key" && fromEnv.tenant == "acme")
        let fromFlags = try file.endpoint(gateway: "http://flag:2", apiKey: "flag-key", tenant: "t", context: nil, environment: env)
        #expect(fromFlags == GatewayEndpoint(url: "http://flag:2", apiKey: "flag-key", tenant: "t"))
        let named = try file.endpoint(gateway: nil, apiKey: nil, tenant: nil, context: "dev", environment: [:])
        #expect(named.url == "http://127.0.0.1:9000" && named.apiKey == nil)
        #expect(throws: ContextFileError.self) {
            try file.endpoint(gateway: nil, apiKey: nil, tenant: nil, context: "nope", environment: [:])
        }
        #expect(
            try ContextFile().endpoint(gateway: nil, apiKey: nil, tenant: nil, context: nil, environment: [:]).url
                == GatewayEndpoint.defaultURL)
    }

    @Test func streamURLCarriesFiltersAndKey() {
        let e = GatewayEndpoint(url: "https://gw.example", apiKey: "k&y")
        #expect(e.streamURL(query: [("job_id", "a b")]) == "wss://gw.example/api/v1/stream?job_id=a%20b&api_key=k%26y")
    }

    @Test func memoryReferences() {
        #expect(MemoryCommand.pointer(for: "redis://res:1") == "redis://res:1")
        #expect(MemoryCommand.pointer(for: "ctx:1") == "ctx:1")
        #expect(MemoryCommand.pointer(for: "mem:chat:events") == "mem:chat:events")
        #expect(MemoryCommand.pointer(for: "chat-42") == "mem:chat-42:events")
    }

    @Test func aTraceIsATreeOfParentsAndChildren() {
        func job(_ id: String, _ created: Int, _ updated: Int, parent: String? = nil) -> JobRecord {
            var r = JobRecord(id: id, updatedAt: updated, state: "SUCCEEDED")
            r.createdAt = created
            r.topic = "job.echo"
            if let parent { r.labels = ["parent_job_id": parent] }
            return r
        }
        let records = [
            job("child-b", 104, 108, parent: "root"), job("root", 100, 110), job("child-a", 101, 103, parent: "root"),
            job("orphan", 105, 106, parent: "elsewhere"),
        ]
        let lines = TraceView.lines("t1", records, style: Style(enabled: false), barWidth: 10)
        Golden.check(lines.joined(separator: "\n"), "trace-tree")
        #expect(lines[1].hasPrefix("|- root"))
        #expect(lines[2].hasPrefix("|  |- child-a"))
        #expect(lines[3].hasPrefix("|  `- child-b"))
        #expect(lines[4].hasPrefix("`- orphan"))
    }

    @Test func streamLines() {
        var p = Coretex_Agent_V1_BusPacket()
        p.traceID = "t"
        p.createdAt = .init(date: Date(timeIntervalSince1970: 1_800_000_000.25))
        var r = Coretex_Agent_V1_JobResult()
        r.jobID = "j1"
        r.status = .failed
        r.workerID = "w1"
        r.errorMessage = "boom"
        p.payload = .jobResult(r)
        let line = StreamLine.text(p, style: Style(enabled: false))
        #expect(line.hasSuffix("result    j1  FAILED  worker=w1  error=\"boom\""), "\(line)")
        #expect(line.contains(":00.250"))
    }

    @Test func conversationTurns() {
        let wrapper = JSONValue.object([
            "items": .array([
                .object(["role": .string("user"), "content": .string("a\nb")]), .string("not a turn"),
                .object(["role": .string("assistant"), "content": .string("c")]),
            ])
        ])
        let turns = Conversation.turns(wrapper)!
        #expect(turns.map(\.role) == ["user", "assistant"])
        #expect(Conversation.lines(turns, style: Style(enabled: false)) == ["user:", "  a", "  b", "assistant:", "  c"])
    }
}
