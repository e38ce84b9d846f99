// How two operands of an elementwise op line up under NumPy/PyTorch broadcasting.

/// The broadcast of two shapes (right-aligned; each dimension equal or 1) and the fastest loop that covers it.
///
/// An operand is *full* when it has as many elements as the output (its index is the output index). It has a
/// *block* layout when, after dropping the output's size-1 dimensions, its dimensions are broadcast, then full,
/// then broadcast (B* F* B*): then element `j % middle` of it meets output rows `j = o * middle + m`, each of
/// `inner` contiguous elements. (N, C, 1, 1) against (N, C, H, W) is (1, N*C, H*W); a bias (C) against (N, C) is
/// (N, C, 1). Anything else takes the general strided (serial) path.
struct BroadcastPlan {
    let outputShape: [Int]
    let count: Int
    /// Per output dimension, the element stride of each operand (0 where it is broadcast).
    let firstStrides: [Int]
    let secondStrides: [Int]
    let firstFull: Bool
    let secondFull: Bool
    let firstBlock: (outer: Int, middle: Int, inner: Int)?
    let secondBlock: (outer: Int, middle: Int, inner: Int)?

    /// Broadcasts `first` against `second`; traps on incompatible shapes.
    init(_ first: [Int], _ second: [Int]) {
        let rank = max(first.count, second.count)
        let a = Array(repeating: 1, count: rank - first.count) + first
        let b = Array(repeating: 1, count: rank - second.count) + second
        var shape: [Int] = []
        for d in 0..<rank {
            precondition(a[d] == b[d] || a[d] == 1 || b[d] == 1, "cannot broadcast \(first) with \(second)")
            shape.append(a[d] == 1 ? b[d] : a[d])
        }
        outputShape = shape
        count = shape.reduce(1, *)
        firstStrides = Self.strides(a, shape)
        secondStrides = Self.strides(b, shape)
        firstFull = a.reduce(1, *) == count
        secondFull = b.reduce(1, *) == count
        firstBlock = Self.block(a, shape)
        secondBlock = Self.block(b, shape)
    }

    private static func strides(_ padded: [Int], _ shape: [Int]) -> [Int] {
        var result = [Int](repeating: 0, count: shape.count)
        var step = 1
        for d in (0..<shape.count).reversed() {
            result[d] = (padded[d] == 1 && shape[d] != 1) ? 0 : step
            step *= padded[d]
        }
        return result
    }

    private static func block(_ padded: [Int], _ shape: [Int]) -> (outer: Int, middle: Int, inner: Int)? {
        var outer = 1, middle = 1, inner = 1
        var phase = 0  // 0: leading broadcast, 1: full, 2: trailing broadcast
        for d in 0..<shape.count where shape[d] != 1 {
            let isFull = padded[d] == shape[d]
            switch (phase, isFull) {
            case (0, false): outer *= shape[d]
            case (0, true), (1, true): phase = 1; middle *= shape[d]
            case (1, false), (2, false): phase = 2; inner *= shape[d]
            default: return nil  // full after trailing broadcast
            }
        }
        return (outer, middle, inner)
    }

    /// Visits every output element in row-major order with the matching offsets into both operands (serial).
    func forEachIndex(_ body: (_ output: Int, _ first: Int, _ second: Int) -> Void) {
        if count == 0 { return }
        let rank = outputShape.count
        if rank == 0 { body(0, 0, 0); return }
        var index = [Int](repeating: 0, count: rank)
        var offsetA = 0, offsetB = 0
        let last = rank - 1
        let innerSize = outputShape[last], strideA = firstStrides[last], strideB = secondStrides[last]
        var out = 0
        while true {
            for i in 0..<innerSize { body(out + i, offsetA + i * strideA, offsetB + i * strideB) }
            out += innerSize
            // Advance the odometer over the outer dimensions.
            var d = last - 1
            while d >= 0 {
                index[d] += 1
                offsetA += firstStrides[d]
                offsetB += secondStrides[d]
                if index[d] < outputShape[d] { break }
                offsetA -= firstStrides[d] * index[d]
                offsetB -= secondStrides[d] * index[d]
                index[d] = 0
                d -= 1
            }
            if d < 0 { return }
        }
    }

    /// The same broadcast with the operands' roles swapped.
    var swapped: BroadcastPlan {
        BroadcastPlan(swapping: self)
    }

    private init(swapping other: BroadcastPlan) {
        outputShape = other.outputShape
        count = other.count
        firstStrides = other.secondStrides
        secondStrides = other.firstStrides
        firstFull = other.secondFull
        secondFull = other.firstFull
        firstBlock = other.secondBlock
        secondBlock = other.firstBlock
    }
}

/// `out = op(a, b)` under broadcasting: parallel for equal shapes and block layouts, serial strided otherwise.
@inline(__always)
func broadcastBinary<T: EngineScalar>(
    _ a: Tensor<T>, _ b: Tensor<T>, category: MemoryCategory, _ op: @escaping (T, T) -> T
) -> Tensor<T> {
    let plan = BroadcastPlan(a.shape, b.shape)
    let output = a.sibling(shape: plan.outputShape, category: category)
    let x = a.pointer, y = b.pointer, z = output.pointer
    if plan.firstFull && plan.secondFull {
        Parallel.forRanges(plan.count) { r in for i in r { z[i] = op(x[i], y[i]) } }
    } else if plan.firstFull, let block = plan.secondBlock {
        Parallel.forEach(block.outer * block.middle, costPerItem: block.inner) { j in
            let value = y[j % block.middle]
            for i in (j * block.inner)..<((j + 1) * block.inner) { z[i] = op(x[i], value) }
        }
    } else if plan.secondFull, let block = plan.firstBlock {
        Parallel.forEach(block.outer * block.middle, costPerItem: block.inner) { j in
            let value = x[j % block.middle]
            for i in (j * block.inner)..<((j + 1) * block.inner) { z[i] = op(value, y[i]) }
        }
    } else {
        plan.forEachIndex { o, i, j in z[o] = op(x[i], y[j]) }
    }
    return output
}

/// The gradient of the plan's FIRST operand, `sum over broadcast dims of gradOutput * (second or 1)`.
///
/// With `second == nil` this is the sum-reduction of `gradOutput` to `first`'s shape (addition); with a tensor it
/// is the product rule of multiplication. Parallel for equal shapes and block layouts, serial otherwise.
func broadcastGradient<T: EngineScalar>(
    gradOutput: Tensor<T>, firstShape: [Int], second: Tensor<T>?, plan: BroadcastPlan, category: MemoryCategory
) -> Tensor<T> {
    let gradient = gradOutput.sibling(shape: firstShape, category: category)
    let dy = gradOutput.pointer, g = gradient.pointer
    let other = second?.pointer
    if plan.firstFull {
        if let other, plan.secondFull {
            Parallel.forRanges(plan.count) { r in for i in r { g[i] = dy[i] * other[i] } }
        } else if let other, let block = plan.secondBlock {
            Parallel.forEach(block.outer * block.middle, costPerItem: block.inner) { j in
                let value = other[j % block.middle]
                for i in (j * block.inner)..<((j + 1) * block.inner) { g[i] = dy[i] * value }
            }
        } else if let other {
            plan.forEachIndex { o, _, j in g[o] = dy[o] * other[j] }
        } else {
            g.update(from: dy, count: plan.count)
        }
    } else if let block = plan.firstBlock, other == nil || plan.secondFull {
        Parallel.forEach(block.middle, costPerItem: block.outer * block.inner) { m in
            var sum: T = 0
            for o in 0..<block.outer {
                let start = (o * block.middle + m) * block.inner
                if let other {
                    for i in start..<(start + block.inner) { sum += dy[i] * other[i] }
                } else {
                    for i in start..<(start + block.inner) { sum += dy[i] }
                }
            }
            g[m] = sum
        }
    } else if let other {
        plan.forEachIndex { o, i, j in g[i] += dy[o] * other[j] }
    } else {
        plan.forEachIndex { o, i, _ in g[i] += dy[o] }
    }
    return gradient
}
