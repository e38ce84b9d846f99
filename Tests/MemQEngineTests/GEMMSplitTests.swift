// The engine's GEMM split over the cores against a plain triple loop, and the kernels that now vectorise.
import Testing
@testable import MemQEngine

@Suite struct GEMMSplitTests {
    /// Shapes above the split threshold (2^20 multiply-adds), split by rows (m >= n) and by columns (n > m), in
    /// every transposition, with leading dimensions wider than the operands and beta = 1 accumulating into C.
    @Test(arguments: [(m: 200, n: 90, k: 70), (m: 40, n: 300, k: 100), (m: 129, n: 129, k: 64)],
          [(false, false), (true, false), (false, true), (true, true)])
    func splitEqualsTripleLoop(shape: (m: Int, n: Int, k: Int), transpose: (Bool, Bool)) {
        let (m, n, k) = shape
        #expect(m * n * k >= EngineBLAS.minimumSplitMACs, "shape below the split threshold")
        let (ta, tb) = transpose
        let aRows = ta ? k : m, aCols = ta ? m : k, bRows = tb ? n : k, bCols = tb ? k : n
        let lda = aCols + 3, ldb = bCols + 5, ldc = n + 7
        var a = [Float](repeating: 0, count: aRows * lda), b = [Float](repeating: 0, count: bRows * ldb)
        for i in a.indices { a[i] = Float((i * 7919) % 23) / 11 - 1 }
        for i in b.indices { b[i] = Float((i * 104_729) % 19) / 9 - 1 }
        var c = [Float](repeating: 0, count: m * ldc)
        for i in c.indices { c[i] = Float(i % 5) }
        var expected = c
        for i in 0..<m {
            for j in 0..<n {
                var sum: Float = 0
                for p in 0..<k {
                    let x = ta ? a[p * lda + i] : a[i * lda + p]
                    let y = tb ? b[j * ldb + p] : b[p * ldb + j]
                    sum += x * y
                }
                expected[i * ldc + j] = 0.5 * sum + 1 * expected[i * ldc + j]
            }
        }
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    EngineBLAS.gemm(transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: 0.5,
                                    a: pa.baseAddress!, lda: lda, b: pb.baseAddress!, ldb: ldb,
                                    beta: 1, c: pc.baseAddress!, ldc: ldc)
                }
            }
        }
        var worst: Float = 0
        for i in 0..<m { for j in 0..<ldc { worst = max(worst, abs(c[i * ldc + j] - expected[i * ldc + j])) } }
        // Columns past n (the ldc padding) must be untouched: they are compared too.
        #expect(worst < 1e-3, "largest difference \(worst)")
    }
}

/// ReLU's fp32 backward runs sixteen lanes at a time: against the rule `saved > 0 ? dy : 0` element by element,
/// over a length that leaves a scalar tail, with zeros, negative zero and infinities among the saved values.
@Test func reluBackwardFloatLanes() {
    let allocator = EngineAllocator()
    let count = 16 * 70 + 13
    var saved = randomValues(count, seed: 5).map(Float.init)
    saved[3] = 0; saved[4] = -0.0; saved[5] = .infinity; saved[6] = -.infinity; saved[count - 1] = 2
    let dy = randomValues(count, seed: 6).map(Float.init)
    let s = Tensor(shape: [count], values: saved, category: .activations, allocator: allocator)
    let g = Tensor(shape: [count], values: dy, category: .gradients, allocator: allocator)
    let dx = activationBackward(gradOutput: g, saved: s, .relu)
    var mismatches = 0
    for i in 0..<count where dx[i] != (saved[i] > 0 ? dy[i] : 0) { mismatches += 1 }
    #expect(mismatches == 0)
    #expect(dx[count - 1] == dy[count - 1])
    #expect(dx[3] == 0 && dx[6] == 0 && dx[5] == dy[5])
}
