// Sums over contiguous rows with independent partial sums, for the reductions of the normalisation kernels.

/// Floating-point addition is not associative, so the compiler keeps a plain `sum += x[i]` loop in order: one
/// dependent add per element (its latency, about four cycles). These helpers keep eight partial sums instead (eight
/// independent chains the core overlaps) and add them at the end; results differ from the serial order only by
/// rounding.
enum Reductions {
    /// `x[0] + ... + x[count - 1]`.
    @inline(__always)
    static func sum<T: EngineScalar>(_ x: UnsafePointer<T>, count: Int) -> T {
        var s0: T = 0, s1: T = 0, s2: T = 0, s3: T = 0, s4: T = 0, s5: T = 0, s6: T = 0, s7: T = 0
        var i = 0
        while i &+ 8 <= count {
            s0 += x[i]; s1 += x[i &+ 1]; s2 += x[i &+ 2]; s3 += x[i &+ 3]
            s4 += x[i &+ 4]; s5 += x[i &+ 5]; s6 += x[i &+ 6]; s7 += x[i &+ 7]
            i &+= 8
        }
        while i < count { s0 += x[i]; i &+= 1 }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
    }

    /// `sum((x[i] - center)^2)`.
    @inline(__always)
    static func sumOfSquares<T: EngineScalar>(_ x: UnsafePointer<T>, count: Int, center: T) -> T {
        var s0: T = 0, s1: T = 0, s2: T = 0, s3: T = 0, s4: T = 0, s5: T = 0, s6: T = 0, s7: T = 0
        var i = 0
        while i &+ 8 <= count {
            let d0 = x[i] - center, d1 = x[i &+ 1] - center, d2 = x[i &+ 2] - center, d3 = x[i &+ 3] - center
            let d4 = x[i &+ 4] - center, d5 = x[i &+ 5] - center, d6 = x[i &+ 6] - center, d7 = x[i &+ 7] - center
            s0 += d0 * d0; s1 += d1 * d1; s2 += d2 * d2; s3 += d3 * d3
            s4 += d4 * d4; s5 += d5 * d5; s6 += d6 * d6; s7 += d7 * d7
            i &+= 8
        }
        while i < count { let d = x[i] - center; s0 += d * d; i &+= 1 }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
    }

    /// `(sum(g[i]), sum(g[i] * (x[i] - center)))`.
    @inline(__always)
    static func sumAndCenteredDot<T: EngineScalar>(
        _ g: UnsafePointer<T>, _ x: UnsafePointer<T>, count: Int, center: T
    ) -> (sum: T, dot: T) {
        var a0: T = 0, a1: T = 0, a2: T = 0, a3: T = 0
        var b0: T = 0, b1: T = 0, b2: T = 0, b3: T = 0
        var i = 0
        while i &+ 4 <= count {
            a0 += g[i]; a1 += g[i &+ 1]; a2 += g[i &+ 2]; a3 += g[i &+ 3]
            b0 += g[i] * (x[i] - center); b1 += g[i &+ 1] * (x[i &+ 1] - center)
            b2 += g[i &+ 2] * (x[i &+ 2] - center); b3 += g[i &+ 3] * (x[i &+ 3] - center)
            i &+= 4
        }
        while i < count { a0 += g[i]; b0 += g[i] * (x[i] - center); i &+= 1 }
        return ((a0 + a1) + (a2 + a3), (b0 + b1) + (b2 + b3))
    }
}
