import CoretexProtocol
import Foundation
import Testing

@testable import CoretexGateway
@testable import CoretexRuntime
@testable import CoretexWorkers

/// The echo worker writes its result as text; it must still be the JSON the contract names,
/// whatever the context and ids hold.
@Suite struct EchoWorkerTests {
    func echo(context: String?, jobID: String = "j-1", workerID: String = "worker-echo-1") async throws -> JSONValue {
        var request = Coretex_Agent_V1_JobRequest()
        request.jobID = jobID
        let job = JobInput(request: request, context: context.map { Data($0.utf8) }, workerID: workerID)
        return try #require(JSONValue.parse(try await EchoWorker().handle(job)))
    }

    @Test func returnsTheContextAsReceived() async throws {
        let context = #"{"prompt":"hi \"there\"","n":[1,2.5,null,true],"nested":{"é":"✓"}}"#
        let result = try await echo(context: context)
        #expect(result["received_ctx"] == JSONValue.parse(Data(context.utf8)))
        #expect(result["job_id"] == .string("j-1"))
        #expect(result["processed_by"] == .string("worker-echo-1"))
        let completed = try #require(result["completed_at_utc"]?.stringValue)
        #expect(ISO8601DateFormatter().date(from: completed) != nil)
    }

    @Test func aContextTheQuickCheckRefusesIsDecodedTheSlowWay() async throws {
        #expect(try await echo(context: #"{"big":1e3}"#)["received_ctx"] == .object(["big": .number(1000)]))
        #expect(try await echo(context: "not json")["received_ctx"] == .null)
        #expect(try await echo(context: nil)["received_ctx"] == .null)
    }

    @Test func idsAreQuoted() async throws {
        let result = try await echo(context: "{}", jobID: "a\"b\\c\nd", workerID: "w\t1")
        #expect(result["job_id"] == .string("a\"b\\c\nd"))
        #expect(result["processed_by"] == .string("w\t1"))
    }
}
