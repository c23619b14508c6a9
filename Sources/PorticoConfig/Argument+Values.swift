// Typed values from arguments. Each error quotes what was written, names the directive or option
// (`subject`) and says what would have been accepted, at the location of the value itself.

extension Argument {
    func integer(in range: ClosedRange<Int>, for subject: String) throws(ConfigError) -> Int {
        let number: Int64
        do throws(Size.Failure) {
            number = try Size.number(Substring(text))
        } catch .malformed {
            throw self.error("\"\(subject)\" expects a whole number, got \"\(text)\"")
        } catch {
            throw self.error("\"\(subject)\" must be between \(range.lowerBound) and \(range.upperBound), got \(text)")
        }
        guard number >= range.lowerBound, number <= range.upperBound else {
            throw self.error("\"\(subject)\" must be between \(range.lowerBound) and \(range.upperBound), got \(text)")
        }
        return Int(number)
    }

    func size(in range: ClosedRange<Int64>, for subject: String) throws(ConfigError) -> Int64 {
        let outOfRange = self.error(
            "\"\(subject)\" must be between \(Size.format(range.lowerBound)) and \(Size.format(range.upperBound)), got \(text)"
        )
        let bytes: Int64
        do throws(Size.Failure) {
            bytes = try Size.parse(text)
        } catch .malformed {
            throw self.error("\"\(subject)\" expects a size like 512, 64k, 16m or 1g, got \"\(text)\"")
        } catch {
            throw outOfRange
        }
        guard range.contains(bytes) else { throw outOfRange }
        return bytes
    }

    func duration(in range: ClosedRange<Duration>, for subject: String) throws(ConfigError) -> Duration {
        let low = DurationValue.format(range.lowerBound)
        let high = DurationValue.format(range.upperBound)
        let outOfRange = self.error("\"\(subject)\" must be between \(low) and \(high), got \(text)")
        let duration: Duration
        do throws(DurationValue.Failure) {
            duration = try DurationValue.parse(text)
        } catch .malformed {
            throw self.error("\"\(subject)\" expects a duration like 250ms, 10s, 5m or 1h, got \"\(text)\"")
        } catch .missingUnit {
            throw self.error(
                "\"\(subject)\" needs a unit: \"\(text)\" must be written \(text)ms, \(text)s, \(text)m or \(text)h")
        } catch {
            throw outOfRange
        }
        guard range.contains(duration) else { throw outOfRange }
        return duration
    }

    func keyword<Value: RawRepresentable<String> & CaseIterable>(
        _ type: Value.Type,
        for subject: String
    ) throws(ConfigError) -> Value {
        if let value = Value(rawValue: text) { return value }
        let words = Value.allCases.map(\.rawValue)
        throw self.error(
            "\"\(subject)\" expects \(Argument.list(words)), got \"\(text)\""
                + Suggestion.didYouMean(text, among: words)
        )
    }

    /// `HOST:PORT`, with ports from `lowestPort` (0 to listen on an ephemeral port, 1 to connect).
    func address(lowestPort: Int, for subject: String) throws(ConfigError) -> SocketAddress {
        switch SocketAddress.parse(text) {
        case .success(let address) where address.port >= lowestPort:
            return address
        case .success, .failure(.badPort):
            let scalars = Array(text.unicodeScalars)
            let colon = scalars.lastIndex(of: ":") ?? -1
            var port = ""
            port.unicodeScalars.append(contentsOf: scalars[(colon + 1)...])
            throw ConfigError(
                location: location(atOffset: colon + 1),
                message: "\"\(subject)\" port must be between \(lowestPort) and 65535, got \"\(port)\""
            )
        case .failure(.unbracketedIPv6):
            throw self.error("\"\(subject)\" needs brackets around an IPv6 address, as in [::1]:8080, got \"\(text)\"")
        case .failure(.badHost):
            throw self.error("\"\(subject)\" has an invalid host in \"\(text)\"")
        case .failure(.malformed):
            throw self.error("\"\(subject)\" expects HOST:PORT, as in 127.0.0.1:8080 or [::1]:8080, got \"\(text)\"")
        }
    }

    /// A URL path: starts with `/`, no spaces or controls.
    func path(for subject: String) throws(ConfigError) -> String {
        guard text.hasPrefix("/"), !text.contains(where: { $0 == " " || $0.isWhitespace }) else {
            throw self.error("\"\(subject)\" expects a path starting with \"/\", got \"\(text)\"")
        }
        return text
    }

    /// A host name to match, or `*.domain` for its subdomains.
    func hostPattern(for subject: String) throws(ConfigError) -> String {
        let name = text.hasPrefix("*.") ? text.dropFirst(2) : Substring(text)
        let isHostCharacter: (Character) -> Bool = {
            $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "_")
        }
        guard !name.isEmpty, !name.hasPrefix("."), name.allSatisfy(isHostCharacter) else {
            throw self.error("\"\(subject)\" expects a host name or *.domain, got \"\(text)\"")
        }
        return text
    }

    /// An HTTP status code `204` or an inclusive range `200-399`, within 100...599.
    func statusRange(for subject: String) throws(ConfigError) -> ClosedRange<Int> {
        let parts = text.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        let codes = parts.map { part in
            part.count == 3 && part.allSatisfy { $0.isASCII && $0.isNumber } ? Int(part) : nil
        }
        guard let low = codes.first ?? nil, let high = codes.last ?? nil, (100...599).contains(low),
            (100...599).contains(high)
        else {
            throw self.error("\"\(subject)\" expects a status code or a range like 200-399, got \"\(text)\"")
        }
        guard low <= high else {
            throw self.error("\"\(subject)\" range \(text) is empty (write the lower code first)")
        }
        return low...high
    }

    func nonEmptyText(for subject: String) throws(ConfigError) -> String {
        guard !text.isEmpty else { throw self.error("\"\(subject)\" must not be empty") }
        return text
    }

    /// An error located at this argument.
    func error(_ message: String) -> ConfigError {
        ConfigError(location: location, message: message)
    }

    /// `a`, `a or b`, `a, b or c`.
    static func list(_ words: [String]) -> String {
        guard words.count > 1 else { return words.first ?? "" }
        return words.dropLast().joined(separator: ", ") + " or " + words.last!
    }
}
