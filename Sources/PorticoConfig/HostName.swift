/// A host name (not a literal address) written in `listen`, `server` or the admin `listen`, and
/// where it first appears.
///
/// Names are resolved by the server, which has the sockets; this keeps their place in the file so
/// one that does not resolve is reported like any other mistake: `proxy.conf:7:12: cannot resolve
/// "app.internal": Name or service not known`, by `portico -t`, at start and on reload.
public struct HostName: Sendable, Equatable {
    public var name: String
    public var location: SourceLocation

    /// The names in the directive tree, each once, in file order.
    static func all(in nodes: [DirectiveNode]) -> [HostName] {
        var found: [HostName] = []
        func visit(_ nodes: [DirectiveNode]) {
            for node in nodes {
                if node.name == "listen" || node.name == "server", let argument = node.arguments.first,
                    case .success(let address) = SocketAddress.parse(argument.text),
                    !SocketAddress.isLiteral(address.host),
                    !found.contains(where: { $0.name == address.host })
                {
                    found.append(HostName(name: address.host, location: argument.location))
                }
                if let block = node.block { visit(block) }
            }
        }
        visit(nodes)
        return found
    }
}
