import Foundation
import Yams

/// Named contexts in `~/.config/ctx/config.yaml` (kubectl-style): each names a gateway URL,
/// an API key and a tenant; `current-context` picks the default one.
///
/// ```yaml
/// current-context: local
/// contexts:
///   local: {gateway: http://127.0.0.1:8081}
///   prod:  {gateway: https://coretex.example.com, api_key: "…", tenant: acme}
/// ```
public struct ContextFile: Codable, Sendable, Equatable {
    public struct Context: Codable, Sendable, Equatable {
        public var gateway: String?
        public var apiKey: String?
        public var tenant: String?
        public init(gateway: String? = nil, apiKey: String? = nil, tenant: String? = nil) {
            self.gateway = gateway
            self.apiKey = apiKey
            self.tenant = tenant
        }
        enum CodingKeys: String, CodingKey { case gateway, tenant, apiKey = "api_key" }
    }

    public var currentContext: String?
    public var contexts: [String: Context]

    public init(currentContext: String? = nil, contexts: [String: Context] = [:]) {
        self.currentContext = currentContext
        self.contexts = contexts
    }

    enum CodingKeys: String, CodingKey { case contexts, currentContext = "current-context" }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        currentContext = try c.decodeIfPresent(String.self, forKey: .currentContext)
        contexts = try c.decodeIfPresent([String: Context].self, forKey: .contexts) ?? [:]
    }

    /// `$CTX_CONFIG`, else `$XDG_CONFIG_HOME/ctx/config.yaml`, else `~/.config/ctx/config.yaml`.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let path = environment["CTX_CONFIG"], !path.isEmpty { return path }
        let base =
            environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.config"
        return base + "/ctx/config.yaml"
    }

    /// The file at `path`, or an empty one when it does not exist yet.
    public static func load(path: String) throws -> ContextFile {
        guard let data = FileManager.default.contents(atPath: path) else { return ContextFile() }
        do {
            return try YAMLDecoder().decode(ContextFile.self, from: String(decoding: data, as: UTF8.self))
        } catch {
            throw ContextFileError("\(path): not a valid ctx config (\(error))")
        }
    }

    /// Writes atomically with owner-only permissions (it may hold API keys).
    public func save(path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let text = try YAMLEncoder().encode(self)
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw ContextFileError("cannot write \(path)")
        }
        // rename(2) replaces the old file in one step: a reader never sees half a config.
        guard rename(temporary, path) == 0 else { throw ContextFileError("cannot write \(path): \(String(cString: strerror(errno)))") }
    }

    /// Resolves the endpoint: flag > environment (`CTX_GATEWAY`, `CORETEX_API_KEY`,
    /// `CTX_TENANT`) > the chosen or current context > the default URL.
    public func endpoint(
        gateway: String?, apiKey: String?, tenant: String?, context name: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> GatewayEndpoint {
        var context = Context()
        if let name = name ?? currentContext {
            guard let found = contexts[name] else {
                throw ContextFileError("no context named \"\(name)\" (see `ctx context list`)")
            }
            context = found
        }
        func env(_ key: String) -> String? { environment[key].flatMap { $0.isEmpty ? nil : $0 } }
        return GatewayEndpoint(
            url: gateway ?? env("CTX_GATEWAY") ?? context.gateway ?? GatewayEndpoint.defaultURL,
            apiKey: apiKey ?? env("CORETEX_API_KEY") ?? context.apiKey,
            tenant: tenant ?? env("CTX_TENANT") ?? context.tenant)
    }
}

public struct ContextFileError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
