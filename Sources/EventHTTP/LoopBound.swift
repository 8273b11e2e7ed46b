/// A reference to an object confined to one loop, which other threads may hold and pass around
/// but only use by sending work to that loop. This is the one place where a non-`Sendable`
/// object crosses threads: it is dereferenced only inside `run`, on its own loop's thread.
public struct LoopBound<Value: AnyObject>: @unchecked Sendable {
    private let value: Value
    public let loop: LoopHandle

    /// `value` must already belong to the loop behind `loop`.
    public init(_ value: Value, on loop: LoopHandle) {
        self.value = value
        self.loop = loop
    }

    /// Runs `body` with the object on its loop. Returns false if the loop is gone.
    @discardableResult
    public func run(_ body: @escaping @Sendable (Value) -> Void) -> Bool {
        let bound = self
        return loop.execute { body(bound.value) }
    }
}
