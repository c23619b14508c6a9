import Glibc

/// Unbuffered lines on stderr through write(2), so a script waiting for the ready line sees it at once.
enum Stderr {
    static func line(_ text: String) {
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
}
