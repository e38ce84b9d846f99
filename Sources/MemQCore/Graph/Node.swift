/// A named step of a network: an op applied to the outputs of other nodes (or graph inputs).
public struct Node: Sendable, Hashable {
    public var name: String
    public var op: Op
    /// Names of the nodes whose outputs this node reads, in order.
    public var inputs: [String]
    /// False for frozen layers: their parameters get no gradients and no optimizer state.
    public var trainable: Bool
    /// Names the user's block structure (`layer1.0`): activation checkpointing may cut there.
    public var block: String?

    public init(name: String, op: Op, inputs: [String], trainable: Bool = true, block: String? = nil) {
        self.name = name; self.op = op; self.inputs = inputs; self.trainable = trainable; self.block = block
    }
}
