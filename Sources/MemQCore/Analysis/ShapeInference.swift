/// A tensor flowing between nodes during inference: one sample's shape and its element type.
public struct TensorInfo: Sendable, Hashable {
    public var shape: TensorShape
    /// nil: the model's compute dtype.
    public var dtype: DType?
    /// One tensor for the whole batch (a rotary table), not one per sample.
    public var batchShared = false
    public init(_ shape: TensorShape, dtype: DType? = nil, batchShared: Bool = false) {
        self.shape = shape; self.dtype = dtype; self.batchShared = batchShared
    }
    var dims: [Int] { shape.dims }
}

/// Shape rules, one per op, following PyTorch's documented formulas.
enum ShapeInference {
    /// Infers the output of `node` from its inputs.
    static func output(of node: Node, inputs: [TensorInfo]) throws(ModelError) -> TensorInfo {
        let name = node.name
        func expectInputs(_ range: ClosedRange<Int>, _ text: String) throws(ModelError) {
            guard range.contains(inputs.count) else {
                throw .wrongInputCount(node: name, op: node.op.kind.rawValue, expected: text, got: inputs.count)
            }
        }
        func positive(_ value: Int, _ field: String) throws(ModelError) {
            guard value > 0 else { throw .invalidValue(node: name, field: field, message: "must be a positive integer, got \(value)") }
        }
        func rank(_ t: TensorInfo, _ allowed: Set<Int>, _ what: String) throws(ModelError) {
            guard allowed.contains(t.shape.rank + 1) else {
                throw .shapeMismatch(node: name, message: "\(node.op.kind.rawValue) expects \(what) input, got N x \(t.shape)")
            }
        }
        /// A PyTorch dimension (0 is the batch) as an index into one sample's dims.
        func sampleDim(_ dim: Int, rank: Int, field: String = "dim", allowEnd: Bool = false) throws(ModelError) -> Int {
            let full = rank + 1 + (allowEnd ? 1 : 0)
            let d = dim < 0 ? dim + full : dim
            guard d >= 1, d < full else {
                throw .invalidValue(node: name, field: field,
                                    message: "dimension \(dim) is out of range for a tensor of rank \(rank + 1) (dimension 0 is the batch; valid: 1...\(full - 1) or negative)")
            }
            return d - 1
        }
        func float(_ shape: [Int]) -> TensorInfo { TensorInfo(TensorShape(shape)) }
        let first = inputs.first.map { $0 } ?? TensorInfo(TensorShape([]))

        switch node.op {
        case .input(let input):
            try expectInputs(0...0, "no")
            guard !input.shape.dims.isEmpty || input.dtype != nil else {
                throw .missingField(node: name, field: "shape")
            }
            for (i, d) in input.shape.dims.enumerated() {
                guard d > 0 else { throw .invalidValue(node: name, field: "shape[\(i)]", message: "must be a positive integer, got \(d)") }
            }
            guard input.shape.elementCountChecked != nil else { throw .sizeOverflow(node: name, field: "shape") }
            return TensorInfo(input.shape, dtype: input.dtype)

        case .conv2d(let c):
            try expectInputs(1...1, "1")
            try rank(first, [4], "an N x C x H x W")
            try positive(c.outChannels, "out_channels")
            try positive(c.kernel.h, "kernel"); try positive(c.kernel.w, "kernel")
            try positive(c.stride.h, "stride"); try positive(c.stride.w, "stride")
            try positive(c.dilation.h, "dilation"); try positive(c.dilation.w, "dilation")
            try positive(c.groups, "groups")
            let cin = first.dims[0]
            if let declared = c.inChannels, declared != cin {
                throw .channelMismatch(node: name, field: "in_channels", expected: declared, got: cin)
            }
            guard cin % c.groups == 0 else { throw .groupsDoNotDivide(node: name, groups: c.groups, channels: cin, field: "in_channels") }
            guard c.outChannels % c.groups == 0 else {
                throw .groupsDoNotDivide(node: name, groups: c.groups, channels: c.outChannels, field: "out_channels")
            }
            if case .explicit(let p) = c.padding, p.h < 0 || p.w < 0 {
                throw .invalidValue(node: name, field: "padding", message: "must not be negative, got \(p)")
            }
            var out = [c.outChannels]
            for axis in 0..<2 {
                let size = first.dims[1 + axis]
                let padded = size + c.paddingTotal(axis: axis, input: size)
                let window = c.dilation[axis] * (c.kernel[axis] - 1) + 1
                guard window <= padded else {
                    throw .kernelLargerThanInput(node: name, field: "kernel", kernel: window, paddedInput: padded)
                }
                out.append((padded - window) / c.stride[axis] + 1)
            }
            return float(out)

        case .linear(let l):
            try expectInputs(1...1, "1")
            try positive(l.outFeatures, "out_features")
            guard let last = first.dims.last else { throw .shapeMismatch(node: name, message: "linear needs an input with a feature dimension") }
            if let declared = l.inFeatures, declared != last {
                throw .channelMismatch(node: name, field: "in_features", expected: declared, got: last)
            }
            // float32 parameters (adapters on a half-precision base) compute in the input's type (float32).
            return float(first.dims.dropLast() + [l.outFeatures]).with(dtype: node.fp32Parameters ? first.dtype : nil)

        case .batchNorm(let b):
            try expectInputs(1...1, "1")
            try rank(first, [2, 3, 4], "an N x C, N x C x L or N x C x H x W")
            if let declared = b.numFeatures, declared != first.dims[0] {
                throw .channelMismatch(node: name, field: "num_features", expected: declared, got: first.dims[0])
            }
            return first

        case .layerNorm(let l):
            try expectInputs(1...1, "1")
            guard l.normalizedDims >= 1, l.normalizedDims <= first.shape.rank else {
                throw .invalidValue(node: name, field: "normalized_dims",
                                    message: "must be between 1 and \(first.shape.rank) for input N x \(first.shape)")
            }
            return first

        case .groupNorm(let g):
            try expectInputs(1...1, "1")
            try positive(g.groups, "groups")
            try rank(first, [2, 3, 4], "an N x C (x ...)")
            guard first.dims[0] % g.groups == 0 else {
                throw .groupsDoNotDivide(node: name, groups: g.groups, channels: first.dims[0], field: "channels")
            }
            return first

        case .rmsNorm:
            try expectInputs(1...1, "1")
            guard first.shape.rank >= 1 else { throw .shapeMismatch(node: name, message: "rmsnorm needs a feature dimension") }
            return first

        case .embedding(let e):
            try expectInputs(1...1, "1")
            try positive(e.count, "num_embeddings"); try positive(e.dim, "embedding_dim")
            if let dtype = first.dtype, dtype.isFloatingPoint {
                throw .shapeMismatch(node: name, message: "embedding reads integer ids, but its input is \(dtype.rawValue); declare the input with \"dtype\": \"int64\"")
            }
            guard first.dtype != nil else {
                throw .shapeMismatch(node: name, message: "embedding reads integer ids, but its input is floating point; declare the input with \"dtype\": \"int64\"")
            }
            return TensorInfo(TensorShape(first.dims + [e.dim]), batchShared: first.batchShared)

        case .activation, .scale, .positionalEmbedding:
            try expectInputs(1...1, "1")
            return TensorInfo(first.shape, dtype: first.dtype.flatMap { $0.isFloatingPoint ? $0 : nil })

        case .softmax(let dim):
            try expectInputs(1...1, "1")
            _ = try sampleDim(dim, rank: first.shape.rank)
            return TensorInfo(first.shape, dtype: first.dtype)

        case .dropout(let p, _), .stochasticDepth(let p):
            try expectInputs(1...1, "1")
            guard p >= 0, p < 1 else { throw .invalidValue(node: name, field: "p", message: "must be in [0, 1), got \(p)") }
            return first

        case .layerScale(let dim, _):
            try expectInputs(1...1, "1")
            _ = try sampleDim(dim, rank: first.shape.rank)
            return first

        case .maxPool2d(let p), .avgPool2d(let p):
            try expectInputs(1...1, "1")
            try rank(first, [4], "an N x C x H x W")
            try positive(p.kernel.h, "kernel"); try positive(p.kernel.w, "kernel")
            try positive(p.stride.h, "stride"); try positive(p.stride.w, "stride")
            try positive(p.dilation.h, "dilation"); try positive(p.dilation.w, "dilation")
            var out = [first.dims[0]]
            for axis in 0..<2 {
                let pad = p.padding[axis], k = p.kernel[axis]
                guard pad >= 0, pad * 2 <= k else {
                    throw .invalidValue(node: name, field: "padding", message: "must be between 0 and half the kernel (\(k / 2)), got \(pad)")
                }
                out.append(try poolOutput(size: first.dims[1 + axis], kernel: k, stride: p.stride[axis], padding: pad,
                                          dilation: p.dilation[axis], ceilMode: p.ceilMode, node: name))
            }
            return float(out).with(dtype: first.dtype)

        case .adaptiveAvgPool2d(let size), .adaptiveMaxPool2d(let size):
            try expectInputs(1...1, "1")
            try rank(first, [4], "an N x C x H x W")
            guard size.count == 1 || size.count == 2, size.allSatisfy({ $0 > 0 }) else {
                throw .invalidValue(node: name, field: "output_size", message: "must be one or two positive integers, got \(size)")
            }
            return float([first.dims[0], size[0], size.count == 2 ? size[1] : size[0]])

        case .flatten(let start, let end):
            try expectInputs(1...1, "1")
            let s = try sampleDim(start, rank: first.shape.rank, field: "start_dim")
            let e = try sampleDim(end, rank: first.shape.rank, field: "end_dim")
            guard s <= e else { throw .invalidValue(node: name, field: "end_dim", message: "must not come before start_dim") }
            let merged = try Checked(node: name, field: "shape").product(Array(first.dims[s...e]))
            return TensorInfo(TensorShape(Array(first.dims[..<s]) + [merged] + Array(first.dims[(e + 1)...])), dtype: first.dtype)

        case .reshape(let target):
            try expectInputs(1...1, "1")
            let total = first.shape.elementCount
            guard target.filter({ $0 == -1 }).count <= 1, target.allSatisfy({ $0 > 0 || $0 == -1 }), !target.isEmpty else {
                throw .invalidValue(node: name, field: "shape", message: "one sample's shape: positive sizes and at most one -1, got \(target)")
            }
            let known = try Checked(node: name, field: "shape").product(target.filter { $0 != -1 })
            var dims = target
            if let i = target.firstIndex(of: -1) {
                guard total % known == 0 else {
                    throw .shapeMismatch(node: name, message: "cannot reshape \(first.shape) (\(total) elements per sample) into \(target)")
                }
                dims[i] = total / known
            }
            guard dims.reduce(1, *) == total else {
                throw .shapeMismatch(node: name, message: "cannot reshape \(first.shape) (\(total) elements per sample) into \(target)")
            }
            return TensorInfo(TensorShape(dims), dtype: first.dtype)

        case .permute(let order):
            try expectInputs(1...1, "1")
            let r = first.shape.rank + 1
            let normalized = order.map { $0 < 0 ? $0 + r : $0 }
            guard normalized.count == r, Set(normalized) == Set(0..<r), normalized.first == 0 else {
                throw .invalidValue(node: name, field: "dims",
                                    message: "must be a permutation of 0..<\(r) that keeps the batch (0) first, got \(order)")
            }
            return TensorInfo(TensorShape(normalized.dropFirst().map { first.dims[$0 - 1] }), dtype: first.dtype)

        case .transpose(let a, let b):
            try expectInputs(1...1, "1")
            let i = try sampleDim(a, rank: first.shape.rank, field: "dim0")
            let j = try sampleDim(b, rank: first.shape.rank, field: "dim1")
            var dims = first.dims
            dims.swapAt(i, j)
            return TensorInfo(TensorShape(dims), dtype: first.dtype)

        case .add, .mul:
            try expectInputs(2...64, "2 or more")
            var shape = first.dims
            for other in inputs.dropFirst() {
                guard let b = broadcast(shape, other.dims) else {
                    throw .shapeMismatch(node: name, message: "cannot broadcast N x \(TensorShape(shape)) with N x \(other.shape) (input '\(node.inputs[inputs.firstIndex(of: other) ?? 1])'); sizes must be equal or 1, aligned from the right")
                }
                shape = b
            }
            return TensorInfo(TensorShape(shape), dtype: promoted(inputs), batchShared: inputs.allSatisfy(\.batchShared))

        case .concat(let dim):
            try expectInputs(1...1024, "1 or more")
            let d = try sampleDim(dim, rank: first.shape.rank)
            var total = 0
            for (k, t) in inputs.enumerated() {
                guard t.shape.rank == first.shape.rank,
                      zip(t.dims, first.dims).enumerated().allSatisfy({ $0.offset == d || $0.element.0 == $0.element.1 }) else {
                    throw .shapeMismatch(node: name, message: "concat along dimension \(d + 1) needs equal other dimensions; input '\(node.inputs[k])' is N x \(t.shape), the first is N x \(first.shape)")
                }
                total += t.dims[d]
            }
            var dims = first.dims
            dims[d] = total
            return TensorInfo(TensorShape(dims), dtype: first.dtype)

        case .split(let s):
            try expectInputs(1...1, "1")
            let d = try sampleDim(s.dim, rank: first.shape.rank)
            let size = first.dims[d]
            let pieces: [Int]
            if let sizes = s.sizes {
                guard sizes.allSatisfy({ $0 > 0 }), sizes.reduce(0, +) == size else {
                    throw .invalidValue(node: name, field: "sizes", message: "must be positive and add up to \(size), the size of dimension \(d + 1); got \(sizes)")
                }
                pieces = sizes
            } else {
                let chunks = s.chunks ?? 0
                try positive(chunks, "chunks")
                let step = (size + chunks - 1) / chunks // torch.chunk: pieces of ceil(size / chunks)
                pieces = stride(from: 0, to: size, by: step).map { min(step, size - $0) }
            }
            guard s.index >= 0, s.index < pieces.count else {
                throw .invalidValue(node: name, field: "index", message: "must be in 0..<\(pieces.count), got \(s.index)")
            }
            var dims = first.dims
            dims[d] = pieces[s.index]
            return TensorInfo(TensorShape(dims), dtype: first.dtype)

        case .channelShuffle(let groups):
            try expectInputs(1...1, "1")
            try rank(first, [4], "an N x C x H x W")
            try positive(groups, "groups")
            guard first.dims[0] % groups == 0 else {
                throw .groupsDoNotDivide(node: name, groups: groups, channels: first.dims[0], field: "channels")
            }
            return first

        case .upsample(let scale):
            try expectInputs(1...1, "1")
            try rank(first, [4], "an N x C x H x W")
            try positive(scale, "scale_factor")
            let c = Checked(node: name, field: "scale_factor")
            return float([first.dims[0], try c.mul(first.dims[1], scale), try c.mul(first.dims[2], scale)])

        case .matmul:
            try expectInputs(2...2, "2")
            let a = first.dims, b = inputs[1].dims
            guard a.count >= 1, b.count >= 2 else {
                throw .shapeMismatch(node: name, message: "matmul needs N x ... x n x k and N x ... x k x m, got N x \(first.shape) and N x \(inputs[1].shape)")
            }
            let k = a[a.count - 1]
            guard b[b.count - 2] == k else {
                throw .shapeMismatch(node: name, message: "matmul inner sizes differ: N x \(first.shape) @ N x \(inputs[1].shape) (\(k) vs \(b[b.count - 2]))")
            }
            guard let lead = broadcast(Array(a.dropLast(2)), Array(b.dropLast(2))) else {
                throw .shapeMismatch(node: name, message: "matmul batch dimensions do not broadcast: N x \(first.shape) and N x \(inputs[1].shape)")
            }
            let rows = a.count >= 2 ? [a[a.count - 2]] : []
            return TensorInfo(TensorShape(lead + rows + [b[b.count - 1]]), dtype: promoted(inputs))

        case .attention(let at):
            try expectInputs(1...1, "1")
            try positive(at.embedDim, "embed_dim"); try positive(at.heads, "num_heads")
            try positive(at.kvHeads, "num_kv_heads"); try positive(at.headDim, "head_dim")
            guard at.heads % at.kvHeads == 0 else {
                throw .invalidValue(node: name, field: "num_kv_heads", message: "must divide num_heads = \(at.heads), got \(at.kvHeads)")
            }
            guard first.shape.rank >= 2 else {
                throw .shapeMismatch(node: name, message: "attention expects N x ... x S x E, got N x \(first.shape)")
            }
            guard first.dims.last == at.embedDim else {
                throw .channelMismatch(node: name, field: "embed_dim", expected: at.embedDim, got: first.dims.last ?? 0)
            }
            return first

        case .mean(let dims, let keep):
            try expectInputs(1...1, "1")
            var remove = Set<Int>()
            for d in dims { remove.insert(try sampleDim(d, rank: first.shape.rank, field: "dims")) }
            let out = first.dims.enumerated().compactMap { remove.contains($0.offset) ? (keep ? 1 : nil) : $0.element }
            return TensorInfo(TensorShape(out), dtype: first.dtype)

        case .classToken(let count):
            try expectInputs(1...1, "1")
            try positive(count, "count")
            guard first.shape.rank == 2 else { throw .shapeMismatch(node: name, message: "class_token expects N x S x E, got N x \(first.shape)") }
            return float([first.dims[0] + count, first.dims[1]])

        case .select(let dim, let index):
            try expectInputs(1...1, "1")
            let d = try sampleDim(dim, rank: first.shape.rank)
            guard index >= -first.dims[d], index < first.dims[d] else {
                throw .invalidValue(node: name, field: "index", message: "must be in 0..<\(first.dims[d]), got \(index)")
            }
            var dims = first.dims
            dims.remove(at: d)
            return TensorInfo(TensorShape(dims), dtype: first.dtype)

        case .pad2d(let pads):
            try expectInputs(1...1, "1")
            try rank(first, [4], "an N x C x H x W")
            guard pads.count == 4, pads.allSatisfy({ $0 >= 0 }) else {
                throw .invalidValue(node: name, field: "pads", message: "must be four non-negative integers [left, right, top, bottom], got \(pads)")
            }
            return float([first.dims[0], first.dims[1] + pads[2] + pads[3], first.dims[2] + pads[0] + pads[1]])

        case .roll(let shifts, let dims):
            try expectInputs(1...1, "1")
            guard !dims.isEmpty, shifts.count == dims.count else {
                throw .invalidValue(node: name, field: "shifts",
                                    message: "needs one shift per dimension in \"dims\" (at least one), got \(shifts.count) shifts for \(dims.count) dims")
            }
            var seen = Set<Int>()
            for d in dims {
                guard seen.insert(try sampleDim(d, rank: first.shape.rank, field: "dims")).inserted else {
                    throw .invalidValue(node: name, field: "dims", message: "names dimension \(d) twice")
                }
            }
            return first

        case .pointwise, .rotaryTable, .sdpa, .repeatKV, .kvCache, .lmLoss, .causalMask, .positions:
            return try transformerOutput(of: node, inputs: inputs)

        case .crossEntropy:
            try expectInputs(1...2, "1 (logits) or 2 (logits, labels)")
            guard first.shape.rank >= 1 else { throw .shapeMismatch(node: name, message: "cross_entropy expects N x classes logits") }
            return TensorInfo(TensorShape([]), dtype: nil)
        }
    }

    /// PyTorch's pooling output size (aten/src/ATen/native/Pool.h `pooling_output_shape`).
    static func poolOutput(size: Int, kernel: Int, stride: Int, padding: Int, dilation: Int, ceilMode: Bool,
                           node: String) throws(ModelError) -> Int {
        let window = dilation * (kernel - 1) + 1
        let padded = size + 2 * padding
        guard window <= padded else {
            throw .kernelLargerThanInput(node: node, field: "kernel", kernel: window, paddedInput: padded)
        }
        let span = padded - window
        var out = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1
        // In ceil mode the last window must start inside the input or its left padding.
        if ceilMode, (out - 1) * stride >= size + padding { out -= 1 }
        return out
    }

    /// PyTorch's type promotion among floating tensors: the widest explicit dtype, else the compute dtype (nil).
    static func promoted(_ inputs: [TensorInfo]) -> DType? {
        inputs.compactMap(\.dtype).filter(\.isFloatingPoint).max { $0.byteSize < $1.byteSize }
    }

    /// NumPy broadcasting of two shapes aligned from the right; nil when they do not broadcast.
    static func broadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
        let n = max(a.count, b.count)
        var out = [Int](repeating: 1, count: n)
        for i in 0..<n {
            let x = i < n - a.count ? 1 : a[i - (n - a.count)]
            let y = i < n - b.count ? 1 : b[i - (n - b.count)]
            guard x == y || x == 1 || y == 1 else { return nil }
            out[i] = max(x, y)
        }
        return out
    }
}

extension TensorInfo {
    func with(dtype: DType?) -> TensorInfo { TensorInfo(shape, dtype: dtype) }
}
