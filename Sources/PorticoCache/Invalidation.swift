import PorticoHTTP

// Invalidation after unsafe requests (RFC 9111 §4.4).
//
// "A cache MUST invalidate the target URI when it receives a non-error status code in response
// to an unsafe request method (including methods whose safety is unknown)." Non-error means 2xx
// or 3xx. The URIs in Location and Content-Location MAY be invalidated too, and this cache does
// so — but it "MUST NOT trigger an invalidation ... if the origin of the URI to be invalidated
// differs from that of the target URI", which keeps one site from flushing another's entries.
//
// Safe methods are GET, HEAD, OPTIONS and TRACE (RFC 9110 §9.2.1); every other method, known or
// not, invalidates. Location and Content-Location are resolved against the target URI when they
// are absolute URIs, network-path or absolute-path references; other relative forms are ignored
// (MAY, so skipping one is allowed). Invalidating means removing every stored response for the
// URI, whatever its Vary.

/// Which stored responses an unsafe request makes obsolete (RFC 9111 §4.4).
public enum Invalidation {
    /// RFC 9110 §9.2.1 safe methods. Method names are case-sensitive (§9.1).
    public static func isSafe(_ method: String) -> Bool {
        switch method {
        case "GET", "HEAD", "OPTIONS", "TRACE": true
        default: false
        }
    }

    /// The URIs whose stored responses must go: the target URI, then the same-origin Location
    /// and Content-Location URIs, without duplicates; empty for a safe method or an error
    /// (or non-final) status.
    public static func urisToInvalidate(
        method: String,
        status: Int,
        target: TargetURI,
        responseHeaders: HTTPHeaders
    ) -> [TargetURI] {
        guard !isSafe(method), (200...399).contains(status) else { return [] }
        var uris = [target]
        for name in ["Location", "Content-Location"] {
            guard let value = responseHeaders[name], let uri = target.resolving(value), uri.hasSameOrigin(as: target),
                !uris.contains(uri)
            else { continue }
            uris.append(uri)
        }
        return uris
    }
}
