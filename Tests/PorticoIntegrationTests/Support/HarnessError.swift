/// Why a harness operation failed. Each case carries what was received so far, so a failing test
/// shows the bytes instead of just "timed out".
enum HarnessError: Error, CustomStringConvertible {
    /// The deadline passed while waiting for `what`.
    case timedOut(waitingFor: String, received: [UInt8])
    /// The peer closed the connection while `what` was still expected.
    case closed(waitingFor: String, received: [UInt8])
    /// The bytes did not form the expected HTTP message.
    case malformed(String, received: [UInt8])
    /// A system call failed.
    case system(String, errno: CInt)
    /// The portico process did not start serving.
    case processFailed(String, stderr: String)

    var description: String {
        switch self {
        case .timedOut(let what, let received):
            return "timed out waiting for \(what); received so far: \(Bytes.preview(received))"
        case .closed(let what, let received):
            return "connection closed while waiting for \(what); received so far: \(Bytes.preview(received))"
        case .malformed(let what, let received):
            return "malformed message: \(what); bytes: \(Bytes.preview(received))"
        case .system(let call, let code):
            return "\(call) failed: errno \(code)"
        case .processFailed(let what, let stderr):
            return "\(what)\n--- portico stderr ---\n\(stderr)\n--- end of stderr ---"
        }
    }
}
