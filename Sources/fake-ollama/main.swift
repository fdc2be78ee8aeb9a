import Foundation
import Hummingbird

/// `fake-ollama [--host H] [--port N] [--models a,b] [--generate-only] [--delay-ms N]`
/// Serves the fake Ollama API (see FakeOllama) until killed. Prints `listening on H:N`
/// once the port is bound, so scripts can wait for it.
let usage = "usage: fake-ollama [--host 127.0.0.1] [--port 11434] [--models llama3] [--generate-only] [--delay-ms 0]"
var host = "127.0.0.1"
var port = 11434
var models = ["llama3"]
var generateOnly = false
var delayMs = 0
var arguments = CommandLine.arguments.dropFirst()
while let flag = arguments.popFirst() {
    func value() -> String {
        guard let v = arguments.popFirst() else {
            FileHandle.standardError.write(Data("fake-ollama: \(flag) needs a value\n\(usage)\n".utf8))
            exit(2)
        }
        return v
    }
    switch flag {
    case "--host": host = value()
    case "--port": port = Int(value()) ?? -1
    case "--models": models = value().split(separator: ",").map(String.init)
    case "--generate-only": generateOnly = true
    case "--delay-ms": delayMs = Int(value()) ?? 0
    case "-h", "--help":
        print(usage)
        exit(0)
    default:
        FileHandle.standardError.write(Data("fake-ollama: unknown option \(flag)\n\(usage)\n".utf8))
        exit(2)
    }
}
guard (0...65535).contains(port) else {
    FileHandle.standardError.write(Data("fake-ollama: invalid port\n".utf8))
    exit(2)
}

let fake = FakeOllama(models: models, generateOnly: generateOnly, delayMs: delayMs)
let (boundHost, boundPort) = (host, port)
let app = Application(
    router: fake.router(), configuration: .init(address: .hostname(boundHost, port: boundPort)),
    onServerRunning: { channel in
        FileHandle.standardOutput.write(Data("listening on \(boundHost):\(channel.localAddress?.port ?? boundPort)\n".utf8))
    })
try await app.runService()
