/// Why a request could not be answered by a backend, classified so the proxy can pick its status
/// code and decide whether another server may be tried (as pingora-error's ErrorType/RetryType).
public enum UpstreamError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No server could be connected to (refused, unreachable, connect timeout).
    case connectFailed(String)
    /// The server did not send a complete response head within `response_timeout`.
    case responseTimeout
    /// The server sent bytes that are not a valid HTTP response head.
    case badResponse(String)
    /// The server closed or reset the connection before the response head was complete.
    case closedEarly
    /// No server in the group can take the request.
    case noServer

    /// The status the client gets when this happens before any response byte was sent.
    public var status: Int {
        switch self {
        case .connectFailed, .badResponse, .closedEarly: return 502
        case .responseTimeout: return 504
        case .noServer: return 503
        }
    }

    /// Whether the request may go to another server: only failures where the server cannot have
    /// acted on it, or where the method is idempotent (the caller checks the method).
    public var isRetryable: Bool {
        switch self {
        case .connectFailed, .closedEarly: return true
        case .responseTimeout, .badResponse, .noServer: return false
        }
    }

    public var description: String {
        switch self {
        case .connectFailed(let reason): return "could not connect to backend: \(reason)"
        case .responseTimeout: return "backend did not respond in time"
        case .badResponse(let reason): return "backend sent an invalid response: \(reason)"
        case .closedEarly: return "backend closed the connection before responding"
        case .noServer: return "no backend server available"
        }
    }
}
