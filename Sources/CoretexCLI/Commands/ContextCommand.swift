import ArgumentParser
import CoretexClient
import Foundation

struct ContextCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "context",
        abstract: "Named gateway contexts in ~/.config/ctx/config.yaml (gateway URL, API key, tenant).",
        discussion: """
            Precedence for every command: flag > environment (CTX_GATEWAY, CORETEX_API_KEY, \
            CTX_TENANT) > the context (--context, else the current one) > http://127.0.0.1:8081. \
            CTX_CONFIG overrides the file's path.

            Examples:
              ctx context set prod --gateway https://coretex.example.com --api-key "$KEY" --tenant acme
              ctx context use prod
              ctx context list
            """,
        subcommands: [ContextList.self, ContextUse.self, ContextSet.self, ContextDelete.self],
        defaultSubcommand: ContextList.self)
}

struct ContextList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List contexts; * marks the current one.", aliases: ["ls"])
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let file = try ContextFile.load(path: ContextFile.defaultPath())
        let printer = Printer(output)
        if output.output.isMachine {
            return try printer.value(ContextFile(currentContext: file.currentContext, contexts: file.contexts.mapValues(\.redacted)))
        }
        if file.contexts.isEmpty {
            return Out.error("no contexts in \(ContextFile.defaultPath()); add one with `ctx context set NAME --gateway URL`")
        }
        var t = Table([
            .init(header: "CURRENT"), .init(header: "NAME"), .init(header: "GATEWAY", flexible: true), .init(header: "TENANT"),
            .init(header: "API KEY"),
        ])
        for (name, c) in file.contexts.sorted(by: { $0.key < $1.key }) {
            t.add([
                .init(name == file.currentContext ? "*" : ""), .init(name), .init(c.gateway ?? GatewayEndpoint.defaultURL),
                .init(c.tenant ?? "-"), .init(c.apiKey == nil ? "-" : "set"),
            ])
        }
        printer.table(t)
    }
}

struct ContextUse: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "use", abstract: "Make a context the current one.")
    @Argument(help: "Context name.") var name: String

    func run() async throws {
        let path = ContextFile.defaultPath()
        var file = try ContextFile.load(path: path)
        guard file.contexts[name] != nil else { throw CtxError("no context named \"\(name)\" (see `ctx context list`)", status: .notFound) }
        file.currentContext = name
        try file.save(path: path)
        Out.line("switched to context \"\(name)\"")
    }
}

struct ContextSet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set", abstract: "Create or update a context (the first one becomes current).")
    @Argument(help: "Context name.") var name: String
    @Option(help: "Gateway URL.") var gateway: String?
    @Option(name: .customLong("api-key"), help: "API key.") var apiKey: String?
    @Option(help: "Tenant.") var tenant: String?

    func run() async throws {
        let path = ContextFile.defaultPath()
        var file = try ContextFile.load(path: path)
        var c = file.contexts[name] ?? .init()
        if let gateway { c.gateway = GatewayEndpoint(url: gateway).url }
        if let apiKey { c.apiKey = apiKey.isEmpty ? nil : apiKey }
        if let tenant { c.tenant = tenant.isEmpty ? nil : tenant }
        file.contexts[name] = c
        if file.currentContext == nil { file.currentContext = name }
        try file.save(path: path)
        Out.line("context \"\(name)\" saved in \(path)")
    }
}

struct ContextDelete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a context.", aliases: ["rm"])
    @Argument(help: "Context name.") var name: String

    func run() async throws {
        let path = ContextFile.defaultPath()
        var file = try ContextFile.load(path: path)
        guard file.contexts.removeValue(forKey: name) != nil else { throw CtxError("no context named \"\(name)\"", status: .notFound) }
        if file.currentContext == name { file.currentContext = nil }
        try file.save(path: path)
        Out.line("context \"\(name)\" deleted")
    }
}

/// `ctx config`: the effective settings and where each came from.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Show the effective gateway, API key and tenant, and the config file in use.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions

    struct Effective: Encodable {
        let config_file: String
        let current_context: String?
        let gateway: String
        let api_key: String?
        let tenant: String?
    }

    func run() async throws {
        let path = ContextFile.defaultPath()
        let file = try ContextFile.load(path: path)
        let endpoint = try global.endpoint()
        let value = Effective(
            config_file: path, current_context: global.context ?? file.currentContext, gateway: endpoint.url,
            api_key: endpoint.apiKey == nil ? nil : "set", tenant: endpoint.tenant)
        let printer = Printer(output)
        if output.output.isMachine { return try printer.value(value) }
        Out.lines([
            "config file:      \(path)", "current context:  \(value.current_context ?? "-")",
            "gateway:          \(value.gateway)", "api key:          \(value.api_key ?? "-")", "tenant:           \(value.tenant ?? "-")",
        ])
    }
}

extension ContextFile.Context {
    /// The context with its key hidden, for listings.
    var redacted: Self { .init(gateway: gateway, apiKey: apiKey == nil ? nil : "<set>", tenant: tenant) }
}
