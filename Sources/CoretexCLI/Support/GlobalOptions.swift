import ArgumentParser
import CoretexClient
import Foundation

/// Where to connect: flags win over the environment, which wins over the config context.
struct GlobalOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Gateway URL (env CTX_GATEWAY; default http://127.0.0.1:8081).", valueName: "url"))
    var gateway: String?

    @Option(name: .customLong("api-key"), help: ArgumentHelp("API key (env CORETEX_API_KEY).", valueName: "key"))
    var apiKey: String?

    @Option(help: ArgumentHelp("Tenant for submissions (env CTX_TENANT).", valueName: "tenant"))
    var tenant: String?

    @Option(help: ArgumentHelp("Use this context from the config file instead of the current one.", valueName: "name"))
    var context: String?

    func endpoint() throws -> GatewayEndpoint {
        let file = try ContextFile.load(path: ContextFile.defaultPath())
        return try file.endpoint(gateway: gateway, apiKey: apiKey, tenant: tenant, context: context)
    }

    func client() throws -> GatewayClient { GatewayClient(try endpoint()) }
}
