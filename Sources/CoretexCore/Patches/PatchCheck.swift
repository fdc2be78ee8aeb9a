import Foundation

/// What the `job.code.llm` worker reports about a model's patch answer: whether it is a unified
/// diff and, when the file's current code is known, whether the diff applies to it. The point is to be
/// honest: a diff that does not parse is reported as text, and "applies" is only claimed after
/// actually applying it.
public struct PatchCheck: Sendable, Equatable {
    public enum Format: String, Sendable {
        case unifiedDiff = "unified_diff"
        case text
    }

    public var format: Format
    /// The diff text (extracted from fences) when format is unifiedDiff, else the trimmed answer.
    public var content: String
    /// true/false when a diff and the file's code were given; nil when it is not a diff or the code
    /// is unknown (except for a diff that creates the file, which is checked against an empty one).
    public var applies: Bool?
    /// Why it is not a diff, does not apply or was not applied, in one human sentence. nil when it
    /// applies cleanly; a diff that applies can still carry a caveat (its paths name another file,
    /// or it also changes other files).
    public var note: String?
    /// The patched file when it applies.
    public var patched: String?

    /// - Parameters:
    ///   - answer: the model's text.
    ///   - original: the file's code; nil or empty means unknown.
    ///   - filePath: the file the model was asked to change, for messages and to check that the
    ///     diff's paths refer to it (by basename; a mismatch is a note, not a failure, since models
    ///     often make up paths).
    public static func check(answer: String, original: String?, filePath: String?) -> PatchCheck {
        let trimmed = answer.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let text = UnifiedDiff.extract(from: answer) else {
            let note = trimmed.isEmpty ? "the model's answer is empty" : "the model's answer is not a unified diff"
            return PatchCheck(format: .text, content: trimmed, applies: nil, note: note, patched: nil)
        }
        let diff: UnifiedDiff
        do {
            diff = try UnifiedDiff.parse(text)
        } catch {
            return PatchCheck(
                format: .text, content: trimmed, applies: nil,
                note: "the model's answer looks like a diff but does not parse: \(error)", patched: nil)
        }

        let filePath = filePath.flatMap { $0.isEmpty ? nil : $0 }
        let name = filePath ?? diff.newPath ?? diff.oldPath ?? "the file"
        var notes: [String] = []
        var applies: Bool?
        var patched: String?
        let original = original ?? ""
        if original.isEmpty, !diff.createsFile {
            notes.append("the original of \(name) was not given, so the diff was not applied")
        } else {
            do {
                patched = try diff.apply(to: original)
                applies = true
            } catch {
                applies = false
                notes.append("the diff does not apply to \(name): \(error)")
            }
        }
        if let filePath, let diffPath = diff.newPath ?? diff.oldPath, basename(diffPath) != basename(filePath) {
            notes.append("the diff is for \(diffPath), not \(filePath)")
        }
        if !diff.otherFiles.isEmpty {
            notes.append("the diff also changes \(diff.otherFiles.joined(separator: ", ")); only its first file was checked")
        }
        return PatchCheck(
            format: .unifiedDiff, content: text, applies: applies,
            note: notes.isEmpty ? nil : notes.joined(separator: "; "), patched: patched)
    }

    private static func basename(_ path: String) -> Substring {
        path.split(separator: "/").last ?? Substring(path)
    }
}
