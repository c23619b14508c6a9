import Foundation
import PorticoConfig
import PorticoServer

let version = Server.version

let usage = """
    usage: portico [-c FILE] [-t]

      -c FILE     configuration file (default ./proxy.conf)
      -t          check the configuration file and exit
      --version   print the version and exit
      --help      print this help and exit

    Signals: SIGHUP reloads the configuration, SIGTERM and SIGINT stop gracefully.
    """

var configPath = "proxy.conf"
var checkOnly = false
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "-c":
        guard let path = arguments.popFirst() else {
            Log.line("portico: -c needs a file name\n\(usage)")
            exit(2)
        }
        configPath = path
    case "-t":
        checkOnly = true
    case "--version", "-v":
        print("portico \(version)")
        exit(0)
    case "--help", "-h":
        print(usage)
        exit(0)
    default:
        Log.line("portico: unknown option \(argument)\n\(usage)")
        exit(2)
    }
}

let config: Config
do {
    config = try ConfigFile.load(configPath)
} catch {
    switch error {
    case .unreadable: Log.line("portico: \(error)")
    case .invalid: Log.line(error.description)
    }
    exit(1)
}

if checkOnly {
    print("configuration ok")
    exit(0)
}

do {
    let server = try Server(config: config, configPath: configPath)
    exit(try server.run())
} catch {
    Log.line("portico: \(error)")
    exit(1)
}
