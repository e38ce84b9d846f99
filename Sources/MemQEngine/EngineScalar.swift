// The element types the kernels compute in: Float (training) and Double (gradient checks).
import CBLAS
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A floating-point element type the engine's kernels are generic over (Float for training, Double for checks).
///
/// Supplies the two things `BinaryFloatingPoint` lacks: a BLAS GEMM (`cblas_sgemm` / `cblas_dgemm`)
/// and the libm transcendental functions the activations and losses use.
package protocol EngineScalar: BinaryFloatingPoint, BitwiseCopyable, Sendable {
    /// Row-major `C = alpha * op(A) * op(B) + beta * C`, `op(A)` is (m, k), `op(B)` is (k, n), `C` is (m, n).
    static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Self, a: UnsafePointer<Self>, lda: Int,
        b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
    /// e^x.
    static func exp(_ x: Self) -> Self
    /// Natural logarithm.
    static func log(_ x: Self) -> Self
    /// Gauss error function.
    static func erf(_ x: Self) -> Self
    /// Hyperbolic tangent.
    static func tanh(_ x: Self) -> Self
}

// Double libm entry points under names that the static members below cannot shadow.
@inline(__always) private func libmExp(_ x: Double) -> Double { exp(x) }
@inline(__always) private func libmLog(_ x: Double) -> Double { log(x) }
@inline(__always) private func libmErf(_ x: Double) -> Double { erf(x) }
@inline(__always) private func libmTanh(_ x: Double) -> Double { tanh(x) }

@inline(__always)
private func cblasTranspose(_ transpose: Bool) -> CBLAS_TRANSPOSE {
    transpose ? CblasTrans : CblasNoTrans
}

extension Float: EngineScalar {
    /// `cblas_sgemm`, row-major.
    @inline(__always)
    package static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(CblasRowMajor, cblasTranspose(transposeA), cblasTranspose(transposeB),
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb),
                    beta, c, blasint(ldc))
    }
    @inline(__always) package static func exp(_ x: Float) -> Float { expf(x) }
    @inline(__always) package static func log(_ x: Float) -> Float { logf(x) }
    @inline(__always) package static func erf(_ x: Float) -> Float { erff(x) }
    @inline(__always) package static func tanh(_ x: Float) -> Float { tanhf(x) }
}

extension Double: EngineScalar {
    /// `cblas_dgemm`, row-major.
    @inline(__always)
    package static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Double, a: UnsafePointer<Double>, lda: Int,
        b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        cblas_dgemm(CblasRowMajor, cblasTranspose(transposeA), cblasTranspose(transposeB),
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb),
                    beta, c, blasint(ldc))
    }
    @inline(__always) package static func exp(_ x: Double) -> Double { libmExp(x) }
    @inline(__always) package static func log(_ x: Double) -> Double { libmLog(x) }
    @inline(__always) package static func erf(_ x: Double) -> Double { libmErf(x) }
    @inline(__always) package static func tanh(_ x: Double) -> Double { libmTanh(x) }
}

/// Row-major GEMM `C = alpha * op(A) * op(B) + beta * C` that tolerates empty dimensions (BLAS rejects lda = 0).
///
/// `op(A)` is (m, k), `op(B)` is (k, n), `C` is (m, n); the leading dimensions are the row lengths as stored.
/// Large products are split over the cores by `EngineBLAS.gemm`; OpenBLAS itself runs single-threaded.
@inline(__always)
func gemm<T: EngineScalar>(
    transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
    alpha: T = 1, a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int,
    beta: T = 0, c: UnsafeMutablePointer<T>, ldc: Int
) {
    if m == 0 || n == 0 { return }
    if k == 0 {
        for i in 0..<m {
            for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] }
        }
        return
    }
    EngineBLAS.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                    alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
}

/// How the engine drives OpenBLAS: single-threaded calls, one per core, on disjoint blocks of C.
///
/// OpenBLAS's own threads busy-wait (`sched_yield`) for a while after every product; between the GEMMs of a training
/// step the engine's elementwise loops run on Dispatch's threads, and on a machine with as many cores as threads the
/// two sets of threads took turns on the same cores (measured: a fifth of the step's cycles in `sched_yield`). So
/// OpenBLAS is set to one thread and the engine splits each large product itself into one block of rows (or columns)
/// of C per core, each a plain single-threaded `cblas_sgemm` on the same operands with offset pointers. The result is
/// the same bytes (each element of C is one dot product of the same panel order within a block); no workspace is
/// added (each call packs into OpenBLAS's own per-call buffer, touched by `GraphWarmUp`).
enum EngineBLAS {
    /// Sets OpenBLAS to one thread, once per process, before the engine's first product.
    static let singleThreaded: Void = openblas_set_num_threads(1)

    /// Below this many multiply-adds a product runs on the calling thread (a hand-off costs about as much).
    static let minimumSplitMACs = 1 << 20

    /// `C = alpha * op(A) * op(B) + beta * C`, split into `Parallel.coreCount` blocks along the longer of m and n.
    @inline(__always)
    static func gemm<T: EngineScalar>(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: T, a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int,
        beta: T, c: UnsafeMutablePointer<T>, ldc: Int
    ) {
        _ = singleThreaded
        let parts = Parallel.coreCount
        let macs = m.multipliedReportingOverflow(by: n).partialValue.multipliedReportingOverflow(by: k)
        guard parts > 1, macs.overflow || macs.partialValue >= minimumSplitMACs, max(m, n) >= 2 * blockAlignment else {
            T.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                   alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            return
        }
        let splitRows = m >= n
        let length = splitRows ? m : n
        // Block boundaries on multiples of 16 keep every block's panels whole for the SIMD kernels.
        let units = (length + blockAlignment - 1) / blockAlignment
        let blocks = min(parts, units)
        Parallel.perform(blocks) { block in
            let start = min(length, block * units / blocks * blockAlignment)
            let end = min(length, (block + 1) * units / blocks * blockAlignment)
            guard start < end else { return }
            if splitRows {
                // Rows start..<end of op(A) and of C.
                let aBlock = transposeA ? a + start : a + start * lda
                T.gemm(transposeA: transposeA, transposeB: transposeB, m: end - start, n: n, k: k,
                       alpha: alpha, a: aBlock, lda: lda, b: b, ldb: ldb, beta: beta,
                       c: c + start * ldc, ldc: ldc)
            } else {
                // Columns start..<end of op(B) and of C.
                let bBlock = transposeB ? b + start * ldb : b + start
                T.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: end - start, k: k,
                       alpha: alpha, a: a, lda: lda, b: bBlock, ldb: ldb, beta: beta,
                       c: c + start, ldc: ldc)
            }
        }
    }

    /// Block boundaries fall on multiples of this many rows or columns.
    static let blockAlignment = 16

    /// Runs `body` with OpenBLAS's own threading (all cores), then returns OpenBLAS to one thread.
    package static func withOpenBLASThreads<R>(_ body: () throws -> R) rethrows -> R {
        _ = singleThreaded
        openblas_set_num_threads(Int32(Parallel.coreCount))
        defer { openblas_set_num_threads(1) }
        return try body()
    }
}
