// A directive table checks one block of the syntax tree against the directives it allows and
// applies them in file order (HAProxy's `cfg_kw_list`, Varnish's `tbl/params.h`).
//
// Checks run in this order for each directive, so the message names the first thing to fix:
// unknown name → repeated where not allowed → argument count → block or no block → value
// (inside `apply`). After the whole block come the directives it requires (a backend needs a
// server), then the table's `finish` for what needs the block as a whole. Unknown names are answered from the tables too: a directive that
// exists in another block says where it belongs, and a near miss gets "did you mean".

/// The directives one kind of block allows, and how they build its value.
struct DirectiveTable<Target>: Sendable {
    typealias Finish = @Sendable (inout Target, DirectiveNode) throws(ConfigError) -> Void

    let name: String
    let title: String
    let directives: [Directive<Target>]
    /// Checks and completes the value once the block's directives are applied; gets the node that
    /// opened the block, for locations.
    let finish: Finish?

    init(name: String, title: String? = nil, _ directives: [Directive<Target>], finish: Finish? = nil) {
        self.name = name
        self.title = title ?? "\(name) { … }"
        self.directives = directives
        self.finish = finish
    }

    var spec: BlockSpec {
        BlockSpec(name: name, title: title, directives: directives.map(\.spec))
    }

    /// Applies the block that `node` opens; a required directive it lacks is reported at `node`.
    func apply(_ node: DirectiveNode, to target: inout Target) throws(ConfigError) {
        let seen = try apply(node.block ?? [], to: &target)
        if let missing = firstMissing(seen) {
            let arguments = node.arguments.map(\.text).joined(separator: " ")
            let block = arguments.isEmpty ? "\"\(node.name)\"" : "\(node.name) \"\(arguments)\""
            throw ConfigError(
                location: node.location,
                message: "\(block) has no \"\(missing.name)\" (at least one is required)"
            )
        }
        try finish?(&target, node)
    }

    /// Applies the top level of a file; a required directive it lacks is reported at `start`,
    /// because there is no token to point at.
    func applyTopLevel(_ nodes: [DirectiveNode], to target: inout Target, start: SourceLocation) throws(ConfigError) {
        let seen = try apply(nodes, to: &target)
        if let missing = firstMissing(seen) {
            let what = missing.block == nil ? "directive" : "block"
            throw ConfigError(
                location: start,
                message: "no \"\(missing.name)\" \(what) (at least one is required)"
            )
        }
    }

    /// Applies directives in file order; returns where each name first appeared.
    private func apply(
        _ nodes: [DirectiveNode],
        to target: inout Target
    ) throws(ConfigError) -> [String: SourceLocation] {
        var firstSeen: [String: SourceLocation] = [:]
        for node in nodes {
            guard let directive = directives.first(where: { $0.spec.name == node.name }) else {
                throw unknown(node)
            }
            let spec = directive.spec
            if let first = firstSeen[node.name], !spec.isRepeatable {
                throw ConfigError(
                    location: node.location,
                    message: "duplicate \"\(node.name)\" (first given on line \(first.line))"
                )
            }
            firstSeen[node.name] = firstSeen[node.name] ?? node.location
            try DirectiveTable.checkArguments(node, spec)
            if spec.block != nil, node.block == nil {
                throw ConfigError(location: node.location, message: "\"\(node.name)\" expects a block { … }")
            }
            if spec.block == nil, let blockLocation = node.blockLocation {
                throw ConfigError(location: blockLocation, message: "\"\(node.name)\" does not take a block")
            }
            try directive.apply(&target, node)
        }
        return firstSeen
    }

    private func firstMissing(_ seen: [String: SourceLocation]) -> DirectiveSpec? {
        directives.first { $0.spec.isRequired && seen[$0.spec.name] == nil }?.spec
    }

    // MARK: - Messages

    private func unknown(_ node: DirectiveNode) -> ConfigError {
        let here = name == BlockSpec.topLevelName ? "at top level" : "in \"\(name)\""
        let elsewhere = Directives.blocks(containing: node.name)
        if !elsewhere.isEmpty {
            let places = elsewhere.map { $0 == BlockSpec.topLevelName ? "at top level" : "in \"\($0)\"" }
            return ConfigError(
                location: node.location,
                message: "\"\(node.name)\" is not allowed \(here) (it belongs \(places.joined(separator: " or ")))"
            )
        }
        let names = directives.map(\.spec.name)
        return ConfigError(
            location: node.location,
            message: "unknown directive \"\(node.name)\"" + Suggestion.didYouMean(node.name, among: names)
        )
    }

    private static func checkArguments(_ node: DirectiveNode, _ spec: DirectiveSpec) throws(ConfigError) {
        let count = node.arguments.count
        guard !spec.arguments.contains(count) else { return }
        let expected: String
        switch (spec.arguments.lowerBound, spec.arguments.upperBound) {
        case (0, 0): expected = "no arguments"
        case (1, 1): expected = "1 argument"
        case (let low, let high) where low == high: expected = "\(low) arguments"
        case (let low, let high) where high == low + 1: expected = "\(low) or \(high) arguments"
        case (let low, let high): expected = "\(low) to \(high) arguments"
        }
        var message = "\"\(node.name)\" expects \(expected), got \(count)"
        guard count > spec.arguments.upperBound else {
            throw ConfigError(location: node.location, message: message)
        }
        // The first argument too many; on a later line, it is most likely the next directive.
        let extra = node.arguments[spec.arguments.upperBound]
        let previousLine =
            spec.arguments.upperBound == 0
            ? node.location.line : node.arguments[spec.arguments.upperBound - 1].location.line
        if extra.location.line > previousLine {
            message += " (missing \";\" on line \(previousLine)?)"
        }
        throw ConfigError(location: extra.location, message: message)
    }
}
