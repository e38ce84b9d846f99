// Bringing the process's runtime to its steady state before memory is measured.
import Dispatch
import MemQCore

/// Warms up what every training step uses once per process: OpenBLAS's per-thread packing buffers (touched to
/// their largest panels by a large GEMM), Dispatch's worker threads (started by a parallel loop) and the Swift
/// runtime's metadata for the executor (one step of a tiny network).
package enum GraphWarmUp {
    /// Runs the warm-up; every tensor it allocates is freed before it returns.
    package static func run() {
        let allocator = EngineAllocator()
        // OpenBLAS keeps its per-thread packing buffers mapped and touches them as far as the largest panels it has
        // packed; a product with M = 4608 (512 channels x 3 x 3, the tallest GEMM of the CNN zoo), N = 4096 and
        // K = 1024 brings them to the extent the zoo's convolutions and linear layers reach (measured: larger
        // products add under 0.1 MiB).
        _ = sgemmSeconds(m: 4608, n: 4096, k: 1024, repeats: 1, allocator: allocator)
        _ = sgemmSeconds(m: 1024, n: 1024, k: 1024, repeats: 1, transposed: true, allocator: allocator)
        // Products below OpenBLAS's threading threshold run on the calling thread with a buffer of their own: touch it
        // too (measured: the first small products after the large ones add about 0.2 MiB).
        for size in [64, 200] {
            for transposed in [false, true] {
                _ = sgemmSeconds(m: size, n: size, k: size, repeats: 1, transposed: transposed, allocator: allocator)
            }
            _ = sgemmSeconds(m: size / 8, n: size * 4, k: size, repeats: 1, allocator: allocator)
        }
        let scratch = Tensor<Float>(shape: [1 << 20], category: .temporary, allocator: allocator)
        let pointer = scratch.pointer
        Parallel.forRanges(scratch.count) { r in for i in r { pointer[i] += 1 } }
        if let graph = tinyGraph(), let analysis = try? ModelAnalysis(graph),
           let executor = try? GraphExecutor<Float>(analysis: analysis, batch: 2, optimizer: .adam, allocator: allocator) {
            executor.step()
        }
    }

    /// Seconds per `size`^3 single-precision GEMM (`cblas_sgemm` with OpenBLAS's own threads), the best of `repeats`.
    /// This is the machine's reference rate: OpenBLAS threading itself, not the engine's split of the product.
    package static func sgemmSeconds(size: Int, repeats: Int) -> Double {
        EngineBLAS.withOpenBLASThreads {
            sgemmSeconds(m: size, n: size, k: size, repeats: repeats, openBLASOnly: true, allocator: EngineAllocator())
        }
    }

    /// Seconds per (m, k) x (k, n) single-precision GEMM (both operands transposed when `transposed`).
    /// Through the engine's `gemm` (split over the cores), or straight to `cblas_sgemm` when `openBLASOnly`.
    static func sgemmSeconds(m: Int, n: Int, k: Int, repeats: Int, transposed: Bool = false, openBLASOnly: Bool = false,
                             allocator: EngineAllocator) -> Double {
        let a = Tensor<Float>(shape: [m, k], category: .temporary, allocator: allocator)
        let b = Tensor<Float>(shape: [k, n], category: .temporary, allocator: allocator)
        let c = Tensor<Float>(shape: [m, n], category: .temporary, allocator: allocator)
        for i in 0..<a.count { a[i] = Float(i % 7) * 0.1 }
        for i in 0..<b.count { b[i] = Float(i % 5) * 0.1 }
        var best = Double.infinity
        for _ in 0..<max(1, repeats) {
            let start = DispatchTime.now().uptimeNanoseconds
            if openBLASOnly {
                Float.gemm(transposeA: transposed, transposeB: transposed, m: m, n: n, k: k, alpha: 1, a: a.pointer,
                           lda: transposed ? m : k, b: b.pointer, ldb: transposed ? k : n, beta: 0, c: c.pointer, ldc: n)
            } else {
                gemm(transposeA: transposed, transposeB: transposed, m: m, n: n, k: k, a: a.pointer,
                     lda: transposed ? m : k, b: b.pointer, ldb: transposed ? k : n, c: c.pointer, ldc: n)
            }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return best
    }

    /// conv 3x3 -> batchnorm -> relu -> max pool -> flatten -> linear over 3x8x8 inputs.
    static func tinyGraph() -> Graph? {
        var b = GraphBuilder(name: "warm-up")
        var x = b.input(shape: [3, 8, 8])
        x = b.conv(x, "conv", out: 4, kernel: 3, padding: 1)
        x = b.batchNorm(x, "bn")
        x = b.relu(x, "relu")
        x = b.maxPool(x, "pool", kernel: 2, stride: 2)
        x = b.flatten(x)
        x = b.linear(x, "fc", out: 3)
        return try? b.build()
    }
}
