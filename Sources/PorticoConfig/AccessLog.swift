/// Where one line per request goes: `access_log stdout|PATH [combined|json];` or `access_log off;`.
public enum AccessLog: Sendable, Equatable {
    case off
    case stdout(Format)
    /// A file path, reopened on SIGUSR1 for log rotation.
    case file(String, Format)

    public enum Format: String, Sendable, CaseIterable {
        /// The Apache/nginx combined log format.
        case combined
        /// One JSON object per line.
        case json
    }
}
