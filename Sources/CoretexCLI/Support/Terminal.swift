import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What `ctx` knows about where it writes: a terminal or a pipe, how wide, colours or not.
struct Terminal: Sendable {
    var isTTY: Bool
    var width: Int?
    var colours: Bool

    static let current: Terminal = {
        let tty = isatty(STDOUT_FILENO) == 1
        let env = ProcessInfo.processInfo.environment
        var size = winsize()
        var width: Int? = nil
        if tty, ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { width = Int(size.ws_col) }
        if let columns = env["COLUMNS"].flatMap(Int.init), columns > 0 { width = columns }
        // NO_COLOR (no-color.org): any value, even empty, turns colour off.
        let colours = tty && env["NO_COLOR"] == nil && env["TERM"] != "dumb"
        return Terminal(isTTY: tty, width: width, colours: colours)
    }()

    /// True when stdin is a terminal (prompts are only shown then).
    static var stdinIsTTY: Bool { isatty(STDIN_FILENO) == 1 }
}

/// Writes whole lines with one `write(2)` each, unbuffered: a line is either out or not, so
/// an interrupt (exit 130) never leaves half a line in a pipe.
enum Out {
    static func line(_ text: String) { write(STDOUT_FILENO, text + "\n") }
    static func lines(_ lines: [String]) { if !lines.isEmpty { write(STDOUT_FILENO, lines.joined(separator: "\n") + "\n") } }
    static func error(_ text: String) { write(STDERR_FILENO, text + "\n") }
    /// An input prompt, on stderr so that stdout carries only results.
    static func prompt(_ text: String) { write(STDERR_FILENO, text) }

    private static func write(_ fd: Int32, _ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { if errno == EINTR { continue } else { return } }
            bytes = bytes.dropFirst(n)
        }
    }
}
