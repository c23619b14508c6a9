/// A position in a configuration file, for error messages: `proxy.conf:12:5`.
///
/// Lines and columns start at 1. A column counts Unicode scalars, not bytes, and a tab counts as one
/// column, as gcc and clang report them.
public struct SourceLocation: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The file name exactly as the caller passed it to `Config.parse(_:file:)`.
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `FILE:LINE:COL`.
    public var description: String { "\(file):\(line):\(column)" }

    /// The same line, `count` columns further right.
    func advanced(by count: Int) -> SourceLocation {
        SourceLocation(file: file, line: line, column: column + count)
    }
}
