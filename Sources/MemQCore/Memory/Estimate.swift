/// One training step's predicted peak memory and where every byte of it goes.
public struct Estimate: Sendable, Hashable {
    /// Bytes by kind, at one moment (the peak unless said otherwise).
    public struct Breakdown: Sendable, Hashable {
        public var weights = 0
        public var buffers = 0
        public var gradients = 0
        public var optimizerState = 0
        public var activations = 0
        public var temporary = 0
        public var input = 0
        public var runtimeOverhead = 0

        public init() {}

        public var total: Int {
            weights + buffers + gradients + optimizerState + activations + temporary + input + runtimeOverhead
        }

        /// (JSON key, bytes), in the contract's order.
        public var entries: [(key: String, bytes: Int)] {
            [("weights", weights), ("buffers", buffers), ("gradients", gradients), ("optimizer_state", optimizerState),
             ("activations", activations), ("temporary", temporary), ("input", input), ("runtime_overhead", runtimeOverhead)]
        }

        /// The category holding the most bytes.
        public var dominant: String { entries.max { $0.bytes < $1.bytes }?.key ?? "weights" }

        subscript(_ c: MemoryCategory) -> Int {
            get {
                switch c {
                case .weights: weights
                case .buffers: buffers
                case .gradients: gradients
                case .optimizerState: optimizerState
                case .activations: activations
                case .temporary: temporary
                case .input: input
                }
            }
            set {
                switch c {
                case .weights: weights = newValue
                case .buffers: buffers = newValue
                case .gradients: gradients = newValue
                case .optimizerState: optimizerState = newValue
                case .activations: activations = newValue
                case .temporary: temporary = newValue
                case .input: input = newValue
                }
            }
        }
    }

    /// The phase of the training step.
    public enum Phase: String, Sendable, Hashable {
        case forward, backward, step
    }

    /// Where the peak occurs: the node being run and the phase.
    public struct Moment: Sendable, Hashable {
        public var node: String
        public var phase: Phase
        /// The kernel or event that allocated last, e.g. `convolution_backward`.
        public var event: String
    }

    public enum Method: String, Sendable, Hashable, CaseIterable {
        /// The design notes' textbook rule.
        case seed
        /// One training step simulated as an allocation timeline.
        case timeline
    }

    /// Peak bytes of the step, everything included.
    public var peakBytes: Int
    public var peakAt: Moment
    /// Bytes by kind at the moment of the peak.
    public var breakdown: Breakdown
    /// Of `breakdown.optimizerState`, the bytes that are the step's own scratch (PyTorch files them as optimizer
    /// state; they vanish when the step ends).
    public var optimizerScratch: Int
    /// Device memory the allocator reserves at the peak (pytorch-cuda), or nil.
    public var reservedBytes: Int?
    public var method: Method
    public var config: TrainingConfig
    public var params: ParameterCount
    /// MACs of the whole batch (forward).
    public var macs: Int

    /// The peak less the input batch (what PyTorch's MemTracker reports: the batch is created before tracking).
    public var peakWithoutInput: Int { peakBytes - breakdown.input }
}

/// Categories the simulator tracks (runtime overhead is added afterwards, per profile).
enum MemoryCategory: Int, CaseIterable {
    case weights, buffers, gradients, optimizerState, activations, temporary, input
}
