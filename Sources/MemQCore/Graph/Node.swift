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
    /// The node's parameters stay float32 when the model's are half precision (peft's `cast_adapter_dtype`,
    /// peft/tuners/tuners_utils.py: LoRA adapters on a bf16/fp16 base are upcast to float32).
    public var fp32Parameters: Bool

    public init(name: String, op: Op, inputs: [String], trainable: Bool = true, block: String? = nil,
                fp32Parameters: Bool = false) {
        self.name = name; self.op = op; self.inputs = inputs; self.trainable = trainable; self.block = block
        self.fp32Parameters = fp32Parameters
    }
}
