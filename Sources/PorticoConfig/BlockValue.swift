/// A value that a block's directives fill in, starting from its defaults.
protocol BlockValue: Sendable {
    /// The value when the block has no directives: the defaults the reference shows.
    static var initial: Self { get }
}
