import Foundation
import Testing

/// Compares text with a file in `Golden/`; `UPDATE_GOLDEN=1 swift test` rewrites the files
/// (review the diff before committing).
enum Golden {
    static let directory = (#filePath as NSString).deletingLastPathComponent + "/Golden"

    static func check(_ actual: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let path = "\(directory)/\(name).txt"
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try? actual.write(toFile: path, atomically: true, encoding: .utf8)
            return
        }
        guard let expected = try? String(contentsOfFile: path, encoding: .utf8) else {
            Issue.record("missing golden file \(path); run with UPDATE_GOLDEN=1", sourceLocation: sourceLocation)
            return
        }
        #expect(actual == expected, "differs from \(name).txt", sourceLocation: sourceLocation)
    }
}
