/// Why a configuration was refused, and where: `proxy.conf:12:5: unknown directive "listn" (did you
/// mean "listen"?)`.
///
/// Every error points at the token that caused it (HAProxy's `parsing [%s:%d]`), so the first line
/// an operator reads tells them what to change. Requirements that no token breaks, such as a file
/// without any `listen`, point at the start of the file.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var location: SourceLocation
    /// One line, without the location; quotes the offending text.
    public var message: String

    /// Messages quote the offending text; a token of megabytes (a binary file given as the
    /// configuration) is cut so the error stays one readable line.
    static let maximumMessageLength = 400

    public init(location: SourceLocation, message: String) {
        self.location = location
        self.message =
            message.count > Self.maximumMessageLength
            ? String(message.prefix(Self.maximumMessageLength)) + "…" : message
    }

    /// `FILE:LINE:COL: message`, the line `portico -t` prints.
    public var description: String { "\(location): \(message)" }
}
