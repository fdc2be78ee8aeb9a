/// Decides which files of a checkout are worth reviewing: a file is rejected if any exclude
/// glob matches it, otherwise accepted if there are no include globs or any of them matches.
/// Excludes win so that `vendor/**` also removes vendored files the includes would pick.
public struct FileFilter: Sendable, Equatable {
    public let include: [Glob]
    public let exclude: [Glob]

    public init(include: [String], exclude: [String]) throws(GlobError) {
        self.include = try include.map { pattern throws(GlobError) in try Glob(pattern) }
        self.exclude = try exclude.map { pattern throws(GlobError) in try Glob(pattern) }
    }

    public func accepts(_ path: String) -> Bool {
        if exclude.contains(where: { $0.matches(path) }) { return false }
        return include.isEmpty || include.contains { $0.matches(path) }
    }

    /// Source, config and docs by extension, plus the manifests and build files a reviewer
    /// needs to understand dependencies.
    public static let defaultInclude: [String] = [
        "**/*.{go,ts,tsx,js,jsx,py,rs,java,cs,rb,php,c,h,cpp,cxx,hpp,hxx,sh,bash,zsh,ps1,json,yaml,yml,toml,ini,cfg,conf,md,txt,sql,swift,kt}",
        "**/go.mod", "**/go.sum", "**/package.json", "**/requirements*.txt", "**/pyproject.toml",
        "**/Package.swift", "**/Makefile", "**/Cargo.toml",
    ]

    /// Third-party and generated trees. These anchor at the root; `node_modules` and `.git`
    /// also turn up nested (workspaces, submodules), so they are excluded at any depth too.
    public static let defaultExclude: [String] = [
        "vendor/**", "node_modules/**", "dist/**", ".git/**", "build/**", "bin/**", "obj/**",
        "target/**", ".venv/**", "venv/**", ".build/**",
        "**/node_modules/**", "**/.git/**",
    ]

    /// The filter built from `defaultInclude` and `defaultExclude`.
    public static let standard: FileFilter = {
        do {
            return try FileFilter(include: defaultInclude, exclude: defaultExclude)
        } catch {
            fatalError("default globs are invalid: \(error)")
        }
    }()
}
