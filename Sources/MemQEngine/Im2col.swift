// im2col / col2im for one sample and one group of a convolution.

/// The output positions `i` in `0..<count` whose input coordinate `i * stride + offset` lies in `0..<limit`.
@inline(__always)
func validOutputRange(count: Int, stride: Int, offset: Int, limit: Int) -> Range<Int> {
    // lower: smallest i with i*stride + offset >= 0; upper: first i with i*stride + offset >= limit.
    let lower = offset >= 0 ? 0 : (-offset + stride - 1) / stride
    let upperInput = limit - offset  // i*stride < upperInput
    let upper = upperInput <= 0 ? 0 : (upperInput + stride - 1) / stride
    let lo = min(lower, count)
    return lo..<max(lo, min(upper, count))
}

/// Unfolds one group of one sample into columns.
///
/// image (C/g, H, W) -> columns (C/g * Kh * Kw, P * Q), row `(c * Kh + i) * Kw + j`, column `p * Q + q` holding
/// `image[c, p*sh - ph + i*dh, q*sw - pw + j*dw]` (0 in the padding). Parallel over (channel, kernel row) pairs
/// (a 3-channel image still splits evenly).
func im2col<T: EngineScalar>(_ image: UnsafePointer<T>, into columns: UnsafeMutablePointer<T>,
                             geometry g: Conv2dGeometry) {
    let o = g.options
    let (h, w, p, q, kh, kw) = (g.h, g.w, g.p, g.q, g.kh, g.kw)
    let plane = p * q
    Parallel.forEach(g.cg * kh, costPerItem: kw * plane) { ci in
        let (c, i) = ci.quotientAndRemainder(dividingBy: kh)
        let source = image + c * h * w
        let rowOffset = i * o.dilationH - o.paddingH
        for j in 0..<kw {
            let colOffset = j * o.dilationW - o.paddingW
            let row = columns + ((c * kh + i) * kw + j) * plane
            let qs = validOutputRange(count: q, stride: o.strideW, offset: colOffset, limit: w)
            for pp in 0..<p {
                let destination = row + pp * q
                let ih = pp * o.strideH + rowOffset
                if ih < 0 || ih >= h {
                    destination.update(repeating: 0, count: q)
                    continue
                }
                let sourceRow = source + ih * w
                destination.update(repeating: 0, count: qs.lowerBound)
                if o.strideW == 1 {
                    (destination + qs.lowerBound).update(from: sourceRow + (qs.lowerBound + colOffset), count: qs.count)
                } else {
                    let from = sourceRow + (qs.lowerBound * o.strideW + colOffset), to = destination + qs.lowerBound
                    let stride = o.strideW
                    for t in 0..<qs.count { to[t] = from[t &* stride] }
                }
                (destination + qs.upperBound).update(repeating: 0, count: q - qs.upperBound)
            }
        }
    }
}

/// Folds column gradients back onto one group of one sample, accumulating overlaps.
///
/// columns (C/g * Kh * Kw, P * Q) -> image (C/g, H, W), `image` must be zeroed or hold a partial sum.
/// Parallel over channels (each channel's plane is written by one thread).
func col2im<T: EngineScalar>(_ columns: UnsafePointer<T>, into image: UnsafeMutablePointer<T>,
                             geometry g: Conv2dGeometry) {
    let o = g.options
    let (h, w, p, q, kh, kw) = (g.h, g.w, g.p, g.q, g.kh, g.kw)
    let plane = p * q
    Parallel.forEach(g.cg, costPerItem: kh * kw * plane) { c in
        let destination = image + c * h * w
        for i in 0..<kh {
            let rowOffset = i * o.dilationH - o.paddingH
            for j in 0..<kw {
                let colOffset = j * o.dilationW - o.paddingW
                let row = columns + ((c * kh + i) * kw + j) * plane
                let qs = validOutputRange(count: q, stride: o.strideW, offset: colOffset, limit: w)
                for pp in 0..<p {
                    let ih = pp * o.strideH + rowOffset
                    if ih < 0 || ih >= h { continue }
                    let source = row + pp * q
                    let destinationRow = destination + ih * w
                    let from = source + qs.lowerBound, to = destinationRow + (qs.lowerBound * o.strideW + colOffset)
                    if o.strideW == 1 {
                        for t in 0..<qs.count { to[t] += from[t] }
                    } else {
                        let stride = o.strideW
                        for t in 0..<qs.count { to[t &* stride] += from[t] }
                    }
                }
            }
        }
    }
}
