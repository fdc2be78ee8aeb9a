import Foundation
import Testing

@testable import CoretexClient

/// `~/.config/ctx/config.yaml`: where it is, what it holds, and how it combines with flags and
/// the environment into the endpoint.
struct ContextFileTests {
    static let yaml = """
        current-context: local
        contexts:
          local: {gateway: http://127.0.0.1:8081}
          prod:  {gateway: https://coretex.example.com, api_key: "k-prod", tenant: acme}
        """

    /// A fresh directory under the temporary directory, removed by the caller.
    func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "ctx-config-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// `text` as a config file, loaded.
    func parse(_ text: String) throws -> ContextFile {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try text.write(toFile: directory + "/config.yaml", atomically: true, encoding: .utf8)
        return try ContextFile.load(path: directory + "/config.yaml")
    }

    func file() throws -> ContextFile { try parse(Self.yaml) }

    // MARK: defaultPath

    @Test func theDefaultPathPrefersCtxConfigThenXDGThenHome() {
        #expect(
            ContextFile.defaultPath(environment: ["CTX_CONFIG": "/etc/ctx.yaml", "XDG_CONFIG_HOME": "/x", "HOME": "/h"])
                == "/etc/ctx.yaml")
        #expect(ContextFile.defaultPath(environment: ["XDG_CONFIG_HOME": "/x", "HOME": "/h"]) == "/x/ctx/config.yaml")
        #expect(ContextFile.defaultPath(environment: ["HOME": "/h"]) == "/h/.config/ctx/config.yaml")
    }

    @Test func emptyVariablesAreIgnored() {
        #expect(
            ContextFile.defaultPath(environment: ["CTX_CONFIG": "", "XDG_CONFIG_HOME": "", "HOME": "/h"])
                == "/h/.config/ctx/config.yaml")
    }

    // MARK: Parsing

    @Test func parsesContextsWithSnakeCaseKeys() throws {
        let file = try file()
        #expect(file.currentContext == "local")
        #expect(file.contexts["local"] == ContextFile.Context(gateway: "http://127.0.0.1:8081"))
        #expect(file.contexts["prod"] == ContextFile.Context(gateway: "https://coretex.example.com", apiKey: "k-prod", tenant: "acme"))
    }

    @Test func aFileWithoutContextsIsEmptyNotAnError() throws {
        #expect(try parse("current-context: x\n") == ContextFile(currentContext: "x", contexts: [:]))
        #expect(try parse("{}") == ContextFile())
    }

    @Test func aMissingFileLoadsAsEmpty() throws {
        #expect(try ContextFile.load(path: "/nonexistent/ctx-\(UUID().uuidString)/config.yaml") == ContextFile())
    }

    @Test func anInvalidFileIsAnErrorNamingThePath() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/config.yaml"
        try "contexts: [not, a, map]\n".write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try ContextFile.load(path: path)
            Issue.record("expected an error")
        } catch let error as ContextFileError {
            #expect(error.description.hasPrefix("\(path): not a valid ctx config ("))
        }
    }

    @Test func saveThenLoadGivesTheSameFileReadableOnlyByItsOwner() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/nested/config.yaml"
        let original = try file()
        try original.save(path: path)
        #expect(try ContextFile.load(path: path) == original)
        let permissions = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(permissions == 0o600)
        #expect(!FileManager.default.fileExists(atPath: path + ".tmp"))
        // Saving again replaces the file.
        var changed = original
        changed.currentContext = "prod"
        try changed.save(path: path)
        #expect(try ContextFile.load(path: path).currentContext == "prod")
    }

    // MARK: Endpoint resolution

    @Test func withNothingGivenTheEndpointIsTheDefault() throws {
        let endpoint = try ContextFile().endpoint(gateway: nil, apiKey: nil, tenant: nil, context: nil, environment: [:])
        #expect(endpoint == GatewayEndpoint())
    }

    @Test func theCurrentContextIsUsedWhenNoneIsNamed() throws {
        var file = try file()
        file.currentContext = "prod"
        let endpoint = try file.endpoint(gateway: nil, apiKey: nil, tenant: nil, context: nil, environment: [:])
        #expect(endpoint == GatewayEndpoint(url: "https://coretex.example.com", apiKey: "k-prod", tenant: "acme"))
    }

    @Test func aNamedContextWinsOverTheCurrentOne() throws {
        let endpoint = try file().endpoint(gateway: nil, apiKey: nil, tenant: nil, context: "prod", environment: [:])
        #expect(endpoint.url == "https://coretex.example.com")
        #expect(endpoint.apiKey == "k-prod")
    }

    @Test func theEnvironmentWinsOverTheContext() throws {
        let environment = ["CTX_GATEWAY": "http://env:1", "CORETEX_API_KEY": "k-env", "CTX_TENANT": "t-env"]
        let endpoint = try file().endpoint(gateway: nil, apiKey: nil, tenant: nil, context: "prod", environment: environment)
        #expect(endpoint == GatewayEndpoint(url: "http://env:1", apiKey: "k-env", tenant: "t-env"))
    }

    @Test func flagsWinOverTheEnvironment() throws {
        let environment = ["CTX_GATEWAY": "http://env:1", "CORETEX_API_KEY": "k-env", "CTX_TENANT": "t-env"]
        let endpoint = try file().endpoint(
            gateway: "flag:2", apiKey: "k-flag", tenant: "t-flag", context: "prod",
            environment: environment)
        #expect(endpoint == GatewayEndpoint(url: "http://flag:2", apiKey: "k-flag", tenant: "t-flag"))
    }

    @Test func eachFieldIsResolvedOnItsOwn() throws {
        // Only the key from a flag, the tenant from the environment, the URL from the context.
        let endpoint = try file().endpoint(
            gateway: nil, apiKey: "k-flag", tenant: nil, context: "prod",
            environment: ["CTX_TENANT": "t-env"])
        #expect(endpoint == GatewayEndpoint(url: "https://coretex.example.com", apiKey: "k-flag", tenant: "t-env"))
    }

    @Test func emptyEnvironmentVariablesDoNotHideTheContext() throws {
        let environment = ["CTX_GATEWAY": "", "CORETEX_API_KEY": "", "CTX_TENANT": ""]
        let endpoint = try file().endpoint(gateway: nil, apiKey: nil, tenant: nil, context: "prod", environment: environment)
        #expect(endpoint == GatewayEndpoint(url: "https://coretex.example.com", apiKey: "k-prod", tenant: "acme"))
    }

    @Test func anUnknownContextIsAnError() throws {
        for (file, name): (ContextFile, String?) in [(try file(), "staging"), (ContextFile(currentContext: "gone"), nil)] {
            do {
                _ = try file.endpoint(gateway: "http://flag", apiKey: nil, tenant: nil, context: name, environment: [:])
                Issue.record("expected an error for \(name ?? "the current context")")
            } catch let error as ContextFileError {
                let missing = name ?? "gone"
                #expect(error.description == "no context named \"\(missing)\" (see `ctx context list`)")
            }
        }
    }
}
