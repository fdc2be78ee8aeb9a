import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP request whose body arrives as lines (Ollama streams NDJSON), yielded as they come.
/// The first element is the status code's line-free marker: `.status(code)`; then `.line(data)`.
/// When the consumer stops (or is cancelled) the rest of the body is ignored; the task is
/// not cancelled, because cancelling a URLSession task that is failing crashes
/// FoundationNetworking (see `uncancelledData`): it ends by its timeout.
enum LineStream {
    enum Event: Sendable {
        case status(Int)
        case line(Data)
    }

    static func open(_ request: URLRequest, configuration: URLSessionConfiguration) -> AsyncThrowingStream<Event, any Error> {
        AsyncThrowingStream { continuation in
            let delegate = Delegate(continuation)
            let session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: nil)
            let task = session.dataTask(with: request)
            continuation.onTermination = { _ in session.finishTasksAndInvalidate() }
            task.resume()
        }
    }

    /// URLSession calls it on its own serial queue, so the buffer needs no lock.
    private final class Delegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
        let continuation: AsyncThrowingStream<Event, any Error>.Continuation
        var buffer = Data()

        init(_ continuation: AsyncThrowingStream<Event, any Error>.Continuation) { self.continuation = continuation }

        func urlSession(
            _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
            completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
        ) {
            continuation.yield(.status((response as? HTTPURLResponse)?.statusCode ?? 0))
            completionHandler(.allow)
        }

        func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
            buffer.append(data)
            while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = buffer[buffer.startIndex..<newline]
                if !line.isEmpty { continuation.yield(.line(Data(line))) }
                buffer.removeSubrange(buffer.startIndex...newline)
            }
        }

        func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
            if let error {
                continuation.finish(throwing: error)
                return
            }
            if !buffer.isEmpty { continuation.yield(.line(buffer)) }
            continuation.finish()
        }
    }
}
