import Glibc

/// Writes operator-facing lines to stderr with write(2).
///
/// `print` to a pipe stays buffered until exit, so a harness waiting for the ready line would hang;
/// and C's `stderr` is not usable in Swift 6 mode. One write per line keeps lines from different
/// workers whole.
public enum Log {
    public static func line(_ text: String) {
        var message = text
        message.append("\n")
        message.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(STDERR_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }

    public static func info(_ text: String) { line("portico: \(text)") }
    public static func error(_ text: String) { line("portico: error: \(text)") }
}
