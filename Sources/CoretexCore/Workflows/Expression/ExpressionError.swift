/// Why an expression could not be parsed, and where.
///
/// Unparsable text is an error, never silently read as a path, and the error names the
/// problem and the column so a definition can be fixed from the error alone.
public struct ExpressionError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    /// 1-based column (in characters) in `source` where the problem was found.
    public var column: Int
    public var source: String

    public init(_ message: String, column: Int, source: String) {
        self.message = message
        self.column = column
        self.source = source
    }

    public var description: String { "\(message) at column \(column) of `\(source)`" }
}
