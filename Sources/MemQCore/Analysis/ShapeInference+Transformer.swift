/// Shape rules of the ops transformers' modules are written out in (pointwise math, rotary tables, fused
/// attention, the key/value cache, the language-model loss).
extension ShapeInference {
    static func transformerOutput(of node: Node, inputs: [TensorInfo]) throws(ModelError) -> TensorInfo {
        let name = node.name
        let kind = node.op.kind.rawValue
        func expect(_ n: ClosedRange<Int>, _ text: String) throws(ModelError) {
            guard n.contains(inputs.count) else {
                throw .wrongInputCount(node: name, op: kind, expected: text, got: inputs.count)
            }
        }
        let first = inputs.first ?? TensorInfo(TensorShape([]))
        switch node.op {
        case .pointwise(let p):
            try expect(1...1, "1")
            guard first.dtype?.isFloatingPoint ?? true else {
                throw .shapeMismatch(node: name, message: "\(kind) expects a floating-point input, got \(first.dtype?.rawValue ?? "?")")
            }
            if case .pow(let e) = p.kind, !e.isFinite {
                throw .invalidValue(node: name, field: "exponent", message: "must be a finite number, got \(e)")
            }
            if case .cast(let d) = p.kind, let d, !d.isFloatingPoint {
                throw .invalidValue(node: name, field: "dtype", message: "casts to a floating-point dtype (float32, float16, bfloat16, float64), got \(d.rawValue)")
            }
            if case .cast(let d) = p.kind { return TensorInfo(first.shape, dtype: d, batchShared: first.batchShared) }
            return TensorInfo(first.shape, dtype: first.dtype, batchShared: first.batchShared)

        case .rotaryTable(let t):
            try expect(1...1, "1 (the token ids)")
            guard t.dim > 0, t.dim % 2 == 0 else {
                throw .invalidValue(node: name, field: "dim", message: "must be a positive even number (pairs of rotated features), got \(t.dim)")
            }
            guard let seq = first.dims.last, first.dims.count == 1 else {
                throw .shapeMismatch(node: name, message: "rotary_table reads N x S token ids, got N x \(first.shape)")
            }
            return TensorInfo(TensorShape([seq, t.dim]), dtype: nil, batchShared: true)

        case .sdpa(let a):
            try expect(3...3, "3 (query, key, value)")
            let q = first.dims, k = inputs[1].dims, v = inputs[2].dims
            guard q.count == 3, k.count == 3, v.count == 3 else {
                throw .shapeMismatch(node: name, message: "sdpa expects N x H x S x d query, key and value, got N x \(first.shape), N x \(inputs[1].shape), N x \(inputs[2].shape)")
            }
            guard k == v, q[2] == k[2], k[0] > 0, q[0] % k[0] == 0 else {
                throw .shapeMismatch(node: name, message: "sdpa needs key and value of one shape, the query's head size, and query heads a multiple of key heads; got N x \(first.shape), N x \(inputs[1].shape), N x \(inputs[2].shape)")
            }
            guard a.dropout >= 0, a.dropout < 1 else {
                throw .invalidValue(node: name, field: "dropout", message: "must be in [0, 1), got \(a.dropout)")
            }
            return TensorInfo(first.shape, dtype: first.dtype)

        case .repeatKV(let groups):
            try expect(1...1, "1")
            guard groups >= 1, first.dims.count == 3 else {
                throw .invalidValue(node: name, field: "groups", message: "repeats N x Hkv x S x d heads a positive number of times; got groups \(groups) for N x \(first.shape)")
            }
            var dims = first.dims
            dims[0] *= groups
            return TensorInfo(TensorShape(dims), dtype: first.dtype)

        case .causalMask(let shared):
            try expect(1...1, "1 (the token ids)")
            guard let seq = first.dims.last, first.dims.count == 1 else {
                throw .shapeMismatch(node: name, message: "causal_mask reads N x S token ids, got N x \(first.shape)")
            }
            return TensorInfo(TensorShape(shared ? [seq, seq] : [1, seq, seq]), dtype: nil, batchShared: shared)

        case .positions:
            try expect(1...1, "1 (the token ids)")
            guard let seq = first.dims.last, first.dims.count == 1 else {
                throw .shapeMismatch(node: name, message: "positions reads N x S token ids, got N x \(first.shape)")
            }
            return TensorInfo(TensorShape([seq]), dtype: .int64, batchShared: true)

        case .kvCache:
            try expect(1...1, "1")
            return TensorInfo(first.shape, dtype: first.dtype)

        case .lmLoss:
            try expect(1...1, "1 (the logits)")
            guard first.shape.rank >= 1 else { throw .shapeMismatch(node: name, message: "lm_loss expects N x ... x classes logits") }
            return TensorInfo(TensorShape([]), dtype: nil)

        default:
            preconditionFailure("not a transformer op: \(kind)")
        }
    }
}
