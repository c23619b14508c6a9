import Glibc

/// Signal handling: SIGTERM and SIGINT end the process with status 0; SIGPIPE is ignored so a peer
/// that goes away shows up as a failed write instead of killing the origin.
enum Signals {
    static func exitOnTermination() {
        signal(SIGPIPE, SIG_IGN)
        signal(SIGTERM) { _ in _exit(0) }
        signal(SIGINT) { _ in _exit(0) }
    }
}
