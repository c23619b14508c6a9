/// How long Portico waits on clients: the `timeouts { … }` block.
public struct Timeouts: Sendable, Equatable {
    /// From the first byte of a request until its whole head has arrived (slowloris guard).
    public var clientHeader: Duration = .seconds(10)
    /// Between requests on a keep-alive connection, and between reads of a request body.
    public var clientIdle: Duration = .seconds(60)
    /// While a response waits for the client to read what was already written.
    public var send: Duration = .seconds(30)

    public init(
        clientHeader: Duration = .seconds(10), clientIdle: Duration = .seconds(60), send: Duration = .seconds(30)
    ) {
        self.clientHeader = clientHeader
        self.clientIdle = clientIdle
        self.send = send
    }
}
