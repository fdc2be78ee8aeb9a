import CoretexInfra
import Testing

@Suite struct LocalServersTests {
    /// The kernel can pick the same free port for two binds in a row (with 1,000 draws from
    /// the ephemeral range, a repeat is all but certain); a stack given one port for two
    /// listeners fails to start, so a port is never handed out twice.
    @Test func freePortsAreNeverHandedOutTwice() {
        let ports = (0..<1000).map { _ in LocalServers.freePort() }
        #expect(Set(ports).count == ports.count)
        #expect(ports.allSatisfy { $0 > 0 })
    }
}
