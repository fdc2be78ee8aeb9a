import CoretexClient

/// The exit codes of `ctx`, one per thing a script may want to branch on.
public enum ExitStatus: Int32, Sendable {
    case ok = 0
    case error = 1
    case usage = 2
    case notFound = 3
    case unauthorized = 4
    /// `--wait` saw the job (or run) end in anything but success.
    case jobFailed = 5
    case interrupted = 130
}

/// An error `ctx` reports as one line on stderr and turns into an exit status.
struct CtxError: Error, CustomStringConvertible {
    let description: String
    let status: ExitStatus

    init(_ description: String, status: ExitStatus = .error) {
        self.description = description
        self.status = status
    }

    /// A failure whose message was already printed: only the exit status is left to give.
    static func reported(_ status: ExitStatus) -> CtxError { CtxError("", status: status) }

    /// Any error, classified: gateway replies keep their message and get their exit code.
    static func from(_ error: any Error) -> CtxError {
        switch error {
        case let e as CtxError: return e
        case let e as ClientError:
            let status: ExitStatus =
                switch e {
                case .unauthorized: .unauthorized
                case .notFound: .notFound
                default: .error
                }
            return CtxError(e.description, status: status)
        case let e as ContextFileError: return CtxError(e.description)
        default: return CtxError("\(error)")
        }
    }
}
