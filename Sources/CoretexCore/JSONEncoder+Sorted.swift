import Foundation

extension JSONEncoder {
    /// Sorted keys and unescaped slashes: stable output for humans and golden tests.
    public static let sorted: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()
}
