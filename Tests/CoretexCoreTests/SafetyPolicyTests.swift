import CoretexCore
import Testing

@Suite struct SafetyPolicyTests {
    let policy = try! SafetyPolicy.parse(
        yaml: """
            default_tenant: default
            tenants:
              default:
                allow_topics: ["job.*"]
                deny_topics: ["sys.*"]
              acme:
                allow_topics: ["job.chat.*"]
                deny_topics: ["job.chat.secret"]
            """)

    @Test func fixedChecksComeFirst() {
        #expect(SafetyPolicy.check(policy: nil, topic: "job.echo", tenant: "") == .deny("missing tenant"))
        #expect(policy.check(topic: "", tenant: "acme") == .deny("missing topic"))
        #expect(policy.check(topic: "sys.job.submit", tenant: "acme") == .deny("unsupported topic"))
        #expect(SafetyPolicy.check(policy: nil, topic: "job.echo", tenant: "x") == .allow)
    }

    @Test func tenantAllowAndDenyLists() {
        #expect(policy.check(topic: "job.chat.simple", tenant: "acme") == .allow)
        #expect(policy.check(topic: "job.code.llm", tenant: "acme") == .deny("topic 'job.code.llm' not allowed by tenant policy"))
        #expect(policy.check(topic: "job.chat.secret", tenant: "acme") == .deny("topic 'job.chat.secret' denied by tenant policy"))
    }

    @Test func emptyOrUnknownTenantUsesTheDefault() {
        #expect(policy.check(topic: "job.code.llm", tenant: "") == .allow)
        #expect(policy.check(topic: "job.code.llm", tenant: "stranger") == .allow)
        #expect(policy.check(topic: " job.echo ", tenant: " acme ") == .deny("topic 'job.echo' not allowed by tenant policy"))
    }

    @Test func effectiveConfigNarrowsThePolicy() {
        let config = #"{"safety":{"denied_topics":["job.chat.*"]}}"#
        #expect(
            policy.check(topic: "job.chat.simple", tenant: "default", effectiveConfig: config)
                == .deny("topic 'job.chat.simple' denied by effective config"))
        let allowOnly = #"{"safety":{"allowed_topics":["job.echo"]}}"#
        #expect(
            policy.check(topic: "job.code.llm", tenant: "default", effectiveConfig: allowOnly)
                == .deny("topic 'job.code.llm' not allowed by effective config"))
        #expect(policy.check(topic: "job.echo", tenant: "default", effectiveConfig: "not json") == .allow)
    }

    @Test func malformedFileIsAnErrorMissingFileIsNoPolicy() throws {
        #expect(throws: ConfigError.self) { try SafetyPolicy.parse(yaml: "tenants: [1, 2") }
        #expect(try SafetyPolicy.load(path: "/nonexistent/safety.yaml") == nil)
        #expect(try SafetyPolicy.load(path: "") == nil)
    }
}

@Suite struct TopicPatternTests {
    @Test(arguments: [
        ("job.*", "job.chat.simple", true),
        ("job.*", "job.", true),
        ("job.*", "jobs.x", false),
        ("job.chat.*", "job.chat", false),
        ("*", "a/b", false),
        ("a*/b", "abc/b", true),
        ("job.?cho", "job.echo", true),
        ("job.?cho", "job.cho", false),
        ("job.[a-e]cho", "job.echo", true),
        ("job.[^a-e]cho", "job.echo", false),
        ("job.[^a-e]cho", "job.xcho", true),
        ("job.\\*", "job.*", true),
        ("job.\\*", "job.x", false),
        ("job.[", "job.[", false),  // malformed: never matches
        ("job.[a-", "job.a", false),
        ("job.echo", "job.echo", true),
        ("job.echo", "job.echo2", false),
        ("*.*.*", "job.chat.simple", true),
        // `literal*` patterns take a prefix test; it must agree with the general matcher.
        ("job.*", "job.a/b", false),
        ("job.*", "job", false),
        ("*", "", true),
        ("*", "job.echo", true),
        ("job.ch*", "job.chat", true),
        ("job.ch**", "job.chat", true),
        ("j*b.*", "job.chat", true),
        ("job.é*", "job.éclair", true),
        ("job.e\u{301}*", "job.éclair", false),  // scalars, not canonical equivalence, as in Go
    ])
    func goPathMatchSemantics(pattern: String, name: String, expected: Bool) {
        #expect(TopicPattern(pattern).matches(name) == expected)
    }
}
