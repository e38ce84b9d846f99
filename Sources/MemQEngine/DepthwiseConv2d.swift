// Direct-loop depthwise convolution (groups == C), used by conv2dForward/conv2dBackward instead of im2col.

/// Depthwise forward: input (N, C, H, W), weight (C*m, 1, Kh, Kw), bias (C*m)? -> output (N, C*m, P, Q).
///
/// Output channel k reads input channel k / m. Parallel over (n, k) planes; no workspace.
func depthwiseConv2dForward<T: EngineScalar>(
    input: UnsafePointer<T>, weight: UnsafePointer<T>, bias: UnsafePointer<T>?,
    output: UnsafeMutablePointer<T>, geometry g: Conv2dGeometry
) {
    let o = g.options
    let multiplier = g.k / g.c
    let (h, w, p, q, kh, kw) = (g.h, g.w, g.p, g.q, g.kh, g.kw)
    Parallel.forEach(g.n * g.k, costPerItem: p * q * kh * kw) { nk in
        let n = nk / g.k, k = nk % g.k
        let x = input + (n * g.c + k / multiplier) * h * w
        let filter = weight + k * kh * kw
        let out = output + nk * p * q
        out.update(repeating: bias?[k] ?? 0, count: p * q)
        for i in 0..<kh {
            let rowOffset = i * o.dilationH - o.paddingH
            for j in 0..<kw {
                let colOffset = j * o.dilationW - o.paddingW
                let value = filter[i * kw + j]
                let qs = validOutputRange(count: q, stride: o.strideW, offset: colOffset, limit: w)
                for pp in 0..<p {
                    let ih = pp * o.strideH + rowOffset
                    if ih < 0 || ih >= h { continue }
                    let sourceRow = x + ih * w
                    let outRow = out + pp * q
                    for qq in qs { outRow[qq] += value * sourceRow[qq * o.strideW + colOffset] }
                }
            }
        }
    }
}

/// Depthwise backward: gradInput (N, C, H, W)? and gradWeight (C*m, 1, Kh, Kw), both pre-zeroed.
///
/// gradInput is parallel over (n, c) planes, gradWeight over output channels k (summing over n); no workspace.
func depthwiseConv2dBackward<T: EngineScalar>(
    gradOutput: UnsafePointer<T>, input: UnsafePointer<T>, weight: UnsafePointer<T>,
    gradInput: UnsafeMutablePointer<T>?, gradWeight: UnsafeMutablePointer<T>, geometry g: Conv2dGeometry
) {
    let o = g.options
    let multiplier = g.k / g.c
    let (h, w, p, q, kh, kw) = (g.h, g.w, g.p, g.q, g.kh, g.kw)
    if let gradInput {
        Parallel.forEach(g.n * g.c, costPerItem: multiplier * p * q * kh * kw) { nc in
            let n = nc / g.c, c = nc % g.c
            let dx = gradInput + nc * h * w
            for m in 0..<multiplier {
                let k = c * multiplier + m
                let dy = gradOutput + (n * g.k + k) * p * q
                let filter = weight + k * kh * kw
                for i in 0..<kh {
                    let rowOffset = i * o.dilationH - o.paddingH
                    for j in 0..<kw {
                        let colOffset = j * o.dilationW - o.paddingW
                        let value = filter[i * kw + j]
                        let qs = validOutputRange(count: q, stride: o.strideW, offset: colOffset, limit: w)
                        for pp in 0..<p {
                            let ih = pp * o.strideH + rowOffset
                            if ih < 0 || ih >= h { continue }
                            let dxRow = dx + ih * w
                            let dyRow = dy + pp * q
                            for qq in qs { dxRow[qq * o.strideW + colOffset] += value * dyRow[qq] }
                        }
                    }
                }
            }
        }
    }
    Parallel.forEach(g.k, costPerItem: g.n * p * q * kh * kw) { k in
        let filterGrad = gradWeight + k * kh * kw
        for n in 0..<g.n {
            let x = input + (n * g.c + k / multiplier) * h * w
            let dy = gradOutput + (n * g.k + k) * p * q
            for i in 0..<kh {
                let rowOffset = i * o.dilationH - o.paddingH
                for j in 0..<kw {
                    let colOffset = j * o.dilationW - o.paddingW
                    let qs = validOutputRange(count: q, stride: o.strideW, offset: colOffset, limit: w)
                    var sum: T = 0
                    for pp in 0..<p {
                        let ih = pp * o.strideH + rowOffset
                        if ih < 0 || ih >= h { continue }
                        let xRow = x + ih * w
                        let dyRow = dy + pp * q
                        for qq in qs { sum += dyRow[qq] * xRow[qq * o.strideW + colOffset] }
                    }
                    filterGrad[i * kw + j] += sum
                }
            }
        }
    }
}
