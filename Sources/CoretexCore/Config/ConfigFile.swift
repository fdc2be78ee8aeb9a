import Foundation

/// A configuration file that could not be used; the message names the file.
public enum ConfigError: Error, Equatable, CustomStringConvertible {
    case missing(String)
    case invalid(String, String)

    public var description: String {
        switch self {
        case .missing(let path): "config file not found: \(path)"
        case .invalid(let path, let why): "invalid config \(path): \(why)"
        }
    }
}

enum ConfigFile {
    static func read(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw ConfigError.missing(path) }
        return String(decoding: data, as: UTF8.self)
    }
}
