/// The `key=value` and flag options that follow a directive's positional arguments, as in
/// `server 127.0.0.1:9001 weight=3 backup;` and `route host=example.com backend=app;`.
struct Options {
    /// Each value as an argument of its own, located where the value starts.
    private(set) var values: [String: Argument] = [:]
    private(set) var flags: Set<String> = []

    /// - Parameters:
    ///   - valueNames: options written `name=value`.
    ///   - flagNames: options written as a bare word.
    init(
        _ arguments: ArraySlice<Argument>,
        of directive: String,
        values valueNames: [String],
        flags flagNames: [String] = []
    ) throws(ConfigError) {
        let known = valueNames.map { "\($0)=" } + flagNames
        for argument in arguments {
            let key: String
            let value: String?
            if let equals = argument.text.firstIndex(of: "=") {
                key = String(argument.text[..<equals])
                value = String(argument.text[argument.text.index(after: equals)...])
            } else {
                key = argument.text
                value = nil
            }
            guard valueNames.contains(key) || flagNames.contains(key) else {
                let suggestion = Suggestion.closest(to: key, among: valueNames + flagNames)
                let hint = suggestion.map { "did you mean \"\($0)\"?" } ?? "expected \(Argument.list(known))"
                throw argument.error("\"\(directive)\" has no option \"\(key)\" (\(hint))")
            }
            guard values[key] == nil, !flags.contains(key) else {
                throw argument.error("\"\(directive)\" option \"\(key)\" is given twice")
            }
            if flagNames.contains(key) {
                guard value == nil else { throw argument.error("\"\(directive)\" option \"\(key)\" takes no value") }
                flags.insert(key)
            } else {
                guard let value, !value.isEmpty else {
                    throw argument.error("\"\(directive)\" option \"\(key)\" needs a value: \(key)=…")
                }
                values[key] = Argument(
                    text: value,
                    location: argument.location(atOffset: key.unicodeScalars.count + 1),
                    isQuoted: argument.isQuoted
                )
            }
        }
    }
}
