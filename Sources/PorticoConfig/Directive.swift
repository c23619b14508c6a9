/// One row of a `DirectiveTable`: what a directive accepts (its `spec`) and how it changes the value
/// its block builds (`apply`).
///
/// The factories cover the common shapes, one value stored at a key path, and read the default
/// from the block's `initial` value, so the reference can never disagree with the code.
struct Directive<Target>: Sendable {
    typealias Apply = @Sendable (inout Target, DirectiveNode) throws(ConfigError) -> Void

    var spec: DirectiveSpec
    /// Called after the table has checked the name, repetition, argument count and block.
    var apply: Apply

    /// A directive with its own syntax and code.
    static func custom(
        _ name: String,
        arguments: ClosedRange<Int>,
        kind: ValueKind,
        default defaultValue: String?,
        repeatable: Bool = false,
        required: Bool = false,
        block: BlockSpec? = nil,
        doc: String,
        apply: @escaping Apply
    ) -> Directive {
        Directive(
            spec: DirectiveSpec(
                name: name,
                arguments: arguments,
                kind: kind,
                defaultValue: defaultValue,
                doc: doc,
                isRepeatable: repeatable,
                isRequired: required,
                block: block
            ),
            apply: apply
        )
    }
}

// MARK: - Factories for one value at a key path

extension Directive where Target: BlockValue {
    static func integer(
        _ name: String,
        _ keyPath: WritableKeyPath<Target, Int> & Sendable,
        in range: ClosedRange<Int>,
        doc: String
    ) -> Directive {
        .custom(
            name,
            arguments: 1...1,
            kind: .integer(range),
            default: "\(Target.initial[keyPath: keyPath])",
            doc: doc
        ) { (target: inout Target, node: DirectiveNode) throws(ConfigError) in
            target[keyPath: keyPath] = try node.arguments[0].integer(in: range, for: name)
        }
    }

    static func size(
        _ name: String,
        _ keyPath: WritableKeyPath<Target, Int64> & Sendable,
        in range: ClosedRange<Int64>,
        doc: String
    ) -> Directive {
        .custom(
            name,
            arguments: 1...1,
            kind: .size(range),
            default: Size.format(Target.initial[keyPath: keyPath]),
            doc: doc
        ) { (target: inout Target, node: DirectiveNode) throws(ConfigError) in
            target[keyPath: keyPath] = try node.arguments[0].size(in: range, for: name)
        }
    }

    /// A size stored as `Int` (the range keeps it well inside `Int`).
    static func size(
        _ name: String,
        _ keyPath: WritableKeyPath<Target, Int> & Sendable,
        in range: ClosedRange<Int64>,
        doc: String
    ) -> Directive {
        .custom(
            name,
            arguments: 1...1,
            kind: .size(range),
            default: Size.format(Int64(Target.initial[keyPath: keyPath])),
            doc: doc
        ) { (target: inout Target, node: DirectiveNode) throws(ConfigError) in
            target[keyPath: keyPath] = Int(try node.arguments[0].size(in: range, for: name))
        }
    }

    static func duration(
        _ name: String,
        _ keyPath: WritableKeyPath<Target, Duration> & Sendable,
        in range: ClosedRange<Duration>,
        doc: String
    ) -> Directive {
        .custom(
            name,
            arguments: 1...1,
            kind: .duration(range),
            default: DurationValue.format(Target.initial[keyPath: keyPath]),
            doc: doc
        ) { (target: inout Target, node: DirectiveNode) throws(ConfigError) in
            target[keyPath: keyPath] = try node.arguments[0].duration(in: range, for: name)
        }
    }

    /// One of an enumeration's raw values.
    static func keyword<Value: RawRepresentable<String> & CaseIterable & Sendable>(
        _ name: String,
        _ keyPath: WritableKeyPath<Target, Value> & Sendable,
        doc: String
    ) -> Directive {
        .custom(
            name,
            arguments: 1...1,
            kind: .keyword(Value.allCases.map(\.rawValue)),
            default: Target.initial[keyPath: keyPath].rawValue,
            doc: doc
        ) { (target: inout Target, node: DirectiveNode) throws(ConfigError) in
            target[keyPath: keyPath] = try node.arguments[0].keyword(Value.self, for: name)
        }
    }

    static func path(_ name: String, _ keyPath: WritableKeyPath<Target, String> & Sendable, doc: String) -> Directive {
        .custom(name, arguments: 1...1, kind: .path, default: Target.initial[keyPath: keyPath], doc: doc) {
            (target: inout Target, node: DirectiveNode) throws(ConfigError) in
            target[keyPath: keyPath] = try node.arguments[0].path(for: name)
        }
    }

    /// Text that is unset by default.
    static func string(
        _ name: String,
        _ keyPath: WritableKeyPath<Target, String?> & Sendable,
        doc: String
    ) -> Directive {
        .custom(name, arguments: 1...1, kind: .string, default: nil, doc: doc) {
            (target: inout Target, node: DirectiveNode) throws(ConfigError) in
            target[keyPath: keyPath] = try node.arguments[0].nonEmptyText(for: name)
        }
    }

    static func address(
        _ name: String,
        _ keyPath: WritableKeyPath<Target, SocketAddress> & Sendable,
        doc: String
    ) -> Directive {
        .custom(
            name,
            arguments: 1...1,
            kind: .address(lowestPort: 0),
            default: Target.initial[keyPath: keyPath].description,
            doc: doc
        ) { (target: inout Target, node: DirectiveNode) throws(ConfigError) in
            target[keyPath: keyPath] = try node.arguments[0].address(lowestPort: 0, for: name)
        }
    }

    /// A block that is always there and is filled in from its defaults (`timeouts { … }`).
    static func block<Child: BlockValue>(
        _ name: String,
        _ keyPath: WritableKeyPath<Target, Child> & Sendable,
        table: DirectiveTable<Child>,
        doc: String
    ) -> Directive {
        .custom(name, arguments: 0...0, kind: .block, default: nil, block: table.spec, doc: doc) {
            (target: inout Target, node: DirectiveNode) throws(ConfigError) in
            var child = target[keyPath: keyPath]
            try table.apply(node, to: &child)
            target[keyPath: keyPath] = child
        }
    }

    /// A block whose presence turns a feature on (`health { … }`); nil without it.
    static func optionalBlock<Child: BlockValue>(
        _ name: String,
        _ keyPath: WritableKeyPath<Target, Child?> & Sendable,
        table: DirectiveTable<Child>,
        doc: String
    ) -> Directive {
        .custom(name, arguments: 0...0, kind: .block, default: "off", block: table.spec, doc: doc) {
            (target: inout Target, node: DirectiveNode) throws(ConfigError) in
            var child = Child.initial
            try table.apply(node, to: &child)
            target[keyPath: keyPath] = child
        }
    }
}
