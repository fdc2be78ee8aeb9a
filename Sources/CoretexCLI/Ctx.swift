import ArgumentParser
import CoretexClient
import Foundation

/// The root of `ctx`. Every command speaks only the gateway's HTTP/WS API.
struct Ctx: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "ctx",
        abstract: "Operate a Coretex control plane from the terminal.",
        discussion: """
            Exit codes: 0 ok, 1 error, 2 usage, 3 not found, 4 unauthorised, \
            5 job did not succeed (--wait), 130 interrupted.
            Output: -o table|wide|json|yaml|jsonl; colour only on a terminal and never with NO_COLOR.
            """,
        version: "ctx \(version)",
        subcommands: [
            TUICommand.self, JobCommand.self, ChatCommand.self, RepoCommand.self, WorkflowCommand.self, RunCommand.self,
            ApprovalsCommand.self, ApproveCommand.self,
            RejectCommand.self, StreamCommand.self, TraceCommand.self, MemoryCommand.self,
            WorkersCommand.self, StatusCommand.self, DLQCommand.self,
            ConfigCommand.self, ContextCommand.self, CompletionCommand.self, VersionCommand.self,
        ])
}

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the version of ctx.")
    func run() { Out.line("ctx \(Ctx.version)") }
}

struct CompletionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "completion", abstract: "Print a shell completion script.",
        discussion: """
            bash:  source <(ctx completion bash)
            zsh:   ctx completion zsh > "${fpath[1]}/_ctx"
            fish:  ctx completion fish > ~/.config/fish/completions/ctx.fish
            """)

    enum Shell: String, ExpressibleByArgument, CaseIterable { case bash, zsh, fish }
    @Argument(help: "bash, zsh or fish.") var shell: Shell

    func run() {
        let kind: CompletionShell =
            switch shell {
            case .bash: .bash
            case .zsh: .zsh
            case .fish: .fish
            }
        Out.line(Ctx.completionScript(for: kind))
    }
}

/// Runs `ctx` and turns every outcome into an exit status; never returns.
public enum CtxMain {
    public static func run(_ arguments: [String] = Array(CommandLine.arguments.dropFirst())) async -> Never {
        // Ctrl-C: every line goes out whole (see `Out`), so stopping here leaves nothing half
        // written; 130 is what shells expect from an interrupted command.
        signal(SIGINT) { _ in _exit(ExitStatus.interrupted.rawValue) }
        signal(SIGPIPE, SIG_IGN)
        GatewayClient.prepare()
        do {
            var command = try Ctx.parseAsRoot(arguments)
            if var async = command as? any AsyncParsableCommand {
                try await async.run()
            } else {
                try command.run()
            }
            exit(ExitStatus.ok.rawValue)
        } catch let error as CtxError {
            fail(error)
        } catch {
            // ArgumentParser's own outcomes: --help / --version (exit 0), usage errors (2).
            let code = Ctx.exitCode(for: error)
            let message = Ctx.fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { Out.line(message) }
                exit(ExitStatus.ok.rawValue)
            }
            if code == .validationFailure {
                Out.error(message)
                exit(ExitStatus.usage.rawValue)
            }
            fail(CtxError.from(error))
        }
    }

    static func fail(_ error: CtxError) -> Never {
        if !error.description.isEmpty { Out.error("ctx: \(error.description)") }
        exit(error.status.rawValue)
    }
}
