/// Names the language of a file from its name, for prompts and for telling code from data.
public enum Language {
    /// The language name for `path` (`"go"`, `"typescript"`, …), or `"unknown"`.
    public static func of(path: String) -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        if let language = byFileName[name] { return language }
        // A leading dot starts a hidden file's name (`.bashrc`), not an extension.
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "unknown" }
        return byExtension[name[name.index(after: dot)...].lowercased()] ?? "unknown"
    }

    /// Whether `language` (a result of `of(path:)`) is a programming language, as opposed to
    /// configuration, docs or build files.
    public static func isCode(_ language: String) -> Bool {
        codeLanguages.contains(language)
    }

    private static let byFileName: [String: String] = ["Makefile": "makefile", "Dockerfile": "dockerfile"]

    private static let byExtension: [String: String] = [
        "go": "go",
        "ts": "typescript", "tsx": "typescript",
        "js": "javascript", "jsx": "javascript", "mjs": "javascript", "cjs": "javascript",
        "py": "python",
        "rs": "rust",
        "java": "java",
        "cs": "csharp",
        "rb": "ruby",
        "php": "php",
        "c": "c", "h": "c",
        "cc": "cpp", "cpp": "cpp", "cxx": "cpp", "hpp": "cpp", "hxx": "cpp",
        "sh": "shell", "bash": "shell", "zsh": "shell",
        "swift": "swift",
        "kt": "kotlin",
        "sql": "sql",
        "json": "json",
        "yaml": "yaml", "yml": "yaml",
        "toml": "toml",
        "md": "markdown",
    ]

    private static let codeLanguages: Set<String> = [
        "go", "typescript", "javascript", "python", "rust", "java", "csharp", "ruby", "php", "c",
        "cpp", "shell", "swift", "kotlin", "sql",
    ]
}
