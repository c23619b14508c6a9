import Glibc

/// The command line: `portico-demo-origin --port N [--name NAME]`.
struct Options {
    var port: UInt16 = 0
    var name = "demo"

    static let usage = "usage: portico-demo-origin --port N [--name NAME]   (port 0 picks a free port)"

    /// Parses the arguments, or prints the usage and exits with status 2.
    static func parse(_ arguments: [String]) -> Options {
        var options = Options()
        var sawPort = false
        var rest = arguments.dropFirst()
        while let argument = rest.popFirst() {
            switch argument {
            case "--port":
                guard let value = rest.popFirst(), let port = UInt16(value) else {
                    fail("--port needs a number 0-65535")
                }
                options.port = port
                sawPort = true
            case "--name":
                guard let value = rest.popFirst(), !value.isEmpty else { fail("--name needs a value") }
                options.name = value
            case "--help", "-h":
                Stderr.line(usage)
                exit(0)
            default:
                fail("unknown option \(argument)")
            }
        }
        if !sawPort { fail("--port is required") }
        return options
    }

    private static func fail(_ message: String) -> Never {
        Stderr.line("portico-demo-origin: \(message)\n\(usage)")
        exit(2)
    }
}
