// Shapes of one 2-D convolution, resolved from its tensors, and the workspace it needs.

/// Every size of one convolution: input (N, C, H, W), weight (K, C/g, Kh, Kw), output (N, K, P, Q).
struct Conv2dGeometry {
    let n, c, h, w: Int
    let k, kh, kw: Int
    let p, q: Int
    let groups: Int
    /// Input channels per group (C/g) and output channels per group (K/g).
    let cg, kg: Int
    let options: Conv2dOptions

    /// Resolves the geometry from the input and weight shapes; traps on inconsistent shapes.
    init(inputShape: [Int], weightShape: [Int], options: Conv2dOptions) {
        precondition(inputShape.count == 4, "conv2d input must be (N, C, H, W), got \(inputShape)")
        precondition(weightShape.count == 4, "conv2d weight must be (K, C/g, Kh, Kw), got \(weightShape)")
        n = inputShape[0]; c = inputShape[1]; h = inputShape[2]; w = inputShape[3]
        k = weightShape[0]; kh = weightShape[2]; kw = weightShape[3]
        groups = options.groups
        precondition(c % groups == 0 && k % groups == 0, "channels \(c)->\(k) not divisible by groups \(groups)")
        cg = c / groups; kg = k / groups
        precondition(weightShape[1] == cg, "weight \(weightShape) expects \(weightShape[1]) channels per group, got \(cg)")
        // PyTorch (aten/src/ATen/native/ConvUtils.h, conv_output_size):
        // P = (H + 2*pad - dilation*(Kh - 1) - 1) / stride + 1
        let spanH = options.dilationH * (kh - 1) + 1
        let spanW = options.dilationW * (kw - 1) + 1
        precondition(h + 2 * options.paddingH >= spanH && w + 2 * options.paddingW >= spanW,
                     "conv2d kernel larger than padded input")
        p = (h + 2 * options.paddingH - spanH) / options.strideH + 1
        q = (w + 2 * options.paddingW - spanW) / options.strideW + 1
        self.options = options
    }

    /// Output shape (N, K, P, Q).
    var outputShape: [Int] { [n, k, p, q] }

    /// Depthwise (groups == C > 1, K a multiple of C): computed by a direct loop, no im2col.
    var isDepthwise: Bool { groups > 1 && groups == c }

    /// 1x1 kernel, stride 1, no padding: the input plane is already the im2col matrix.
    var isPointwise: Bool {
        kh == 1 && kw == 1 && options.strideH == 1 && options.strideW == 1
            && options.paddingH == 0 && options.paddingW == 0
    }

    /// Rows of the im2col matrix of one group: C/g * Kh * Kw.
    var columnRows: Int { cg * kh * kw }

    /// Elements of the im2col workspace: C/g * Kh * Kw * P * Q, or 0 for depthwise and pointwise convolutions.
    var workspaceElements: Int { (isDepthwise || isPointwise) ? 0 : columnRows * p * q }
}

/// Elements of the temporary workspace `conv2dForward` / `conv2dBackward` allocate for these shapes.
///
/// C/g * Kh * Kw * P * Q (one sample, one group; reused for all), or 0 when the convolution is depthwise
/// (groups == C > 1) or pointwise (1x1, stride 1, padding 0). Backward uses the same single buffer for the
/// im2col matrix and then for the column gradient.
package func conv2dWorkspaceElements(inputShape: [Int], weightShape: [Int], options: Conv2dOptions) -> Int {
    Conv2dGeometry(inputShape: inputShape, weightShape: weightShape, options: options).workspaceElements
}

/// Output shape (N, K, P, Q) of a convolution of `inputShape` (N, C, H, W) with `weightShape` (K, C/g, Kh, Kw).
package func conv2dOutputShape(inputShape: [Int], weightShape: [Int], options: Conv2dOptions) -> [Int] {
    Conv2dGeometry(inputShape: inputShape, weightShape: weightShape, options: options).outputShape
}
