import PorticoUpstream

/// Writes one line per health or breaker change, with its reason: the observer every server
/// registers (`BackendPools.events`).
final class BackendEventLog: BackendObserver {
    func backendChanged(_ event: BackendEvent) {
        Log.info(event.description)
    }
}
