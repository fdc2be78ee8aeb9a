import Testing

@testable import CoretexClient

/// The query strings of `GET /api/v1/jobs` and of the live stream's server-side filters.
struct JobFilterTests {
    func pairs(_ query: [(String, String)]) -> [String] { query.map { "\($0.0)=\($0.1)" } }

    @Test func anEmptyFilterAsksForTheDefaultPage() {
        #expect(pairs(JobFilter().query) == ["limit=50"])
    }

    @Test func everyFilterIsSentInAFixedOrder() {
        var filter = JobFilter()
        filter.state = "running"
        filter.topic = "job.echo"
        filter.tenant = "acme"
        filter.traceID = "t-1"
        filter.labels = ["zone": "b", "env": "prod"]
        filter.updatedAfter = 1_700_000_000
        filter.limit = 10
        filter.cursor = 1_700_000_000_123_456
        #expect(
            pairs(filter.query) == [
                "limit=10", "state=RUNNING", "topic=job.echo", "tenant=acme", "trace_id=t-1",
                "label=env=prod", "label=zone=b", "updated_after=1700000000", "cursor=1700000000123456",
            ])
    }

    @Test func theStateIsUppercasedAndLabelsAreSortedByKey() {
        var filter = JobFilter()
        filter.state = "Succeeded"
        filter.labels = ["c": "3", "a": "1", "b": "2"]
        #expect(filter.query.first { $0.0 == "state" }?.1 == "SUCCEEDED")
        #expect(filter.query.filter { $0.0 == "label" }.map(\.1) == ["a=1", "b=2", "c=3"])
    }

    @Test func theFullURLQueryIsEncoded() {
        var filter = JobFilter()
        filter.labels = ["team": "data eng"]
        #expect(QueryString.encode(filter.query) == "?limit=50&label=team%3Ddata%20eng")
    }

    @Test func streamFiltersSendOnlyWhatIsSet() {
        #expect(EventStream.Filter().query.isEmpty)
        var filter = EventStream.Filter()
        filter.types = ["jobRequest", "jobResult"]
        filter.jobID = "j1"
        filter.traceID = "t1"
        filter.topic = "job.echo"
        #expect(pairs(filter.query) == ["types=jobRequest,jobResult", "job_id=j1", "trace_id=t1", "topic=job.echo"])
        let url = GatewayEndpoint(url: "http://gw").streamURL(query: filter.query)
        #expect(url == "ws://gw/api/v1/stream?types=jobRequest%2CjobResult&job_id=j1&trace_id=t1&topic=job.echo")
    }
}
