// Window hyper-parameters shared by max and average pooling, and PyTorch's output-size rule.

/// Window, stride, padding, dilation and rounding of a 2-D pooling (PyTorch `nn.MaxPool2d` / `nn.AvgPool2d`).
package struct Pool2dOptions: Sendable, Hashable {
    /// Window height.
    package var kernelH: Int
    /// Window width.
    package var kernelW: Int
    /// Vertical stride.
    package var strideH: Int
    /// Horizontal stride.
    package var strideW: Int
    /// Zero padding above and below.
    package var paddingH: Int
    /// Zero padding left and right.
    package var paddingW: Int
    /// Vertical spacing between window taps; max pooling only (PyTorch's average pooling has none).
    package var dilationH: Int
    /// Horizontal spacing between window taps; max pooling only.
    package var dilationW: Int
    /// Round the output size up instead of down (the last window must still start inside input + left padding).
    package var ceilMode: Bool
    /// Average pooling only: divide by the whole window including padding (PyTorch default `true`).
    package var countIncludePad: Bool

    /// Square window; `stride` defaults to the kernel size, as in PyTorch.
    package init(kernel: Int, stride: Int? = nil, padding: Int = 0, dilation: Int = 1,
                 ceilMode: Bool = false, countIncludePad: Bool = true) {
        self.init(kernel: (kernel, kernel), stride: (stride ?? kernel, stride ?? kernel), padding: (padding, padding),
                  dilation: (dilation, dilation), ceilMode: ceilMode, countIncludePad: countIncludePad)
    }

    /// Per-axis (height, width) window, stride, padding and dilation.
    package init(kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1),
                 ceilMode: Bool = false, countIncludePad: Bool = true) {
        precondition(kernel.0 > 0 && kernel.1 > 0 && stride.0 > 0 && stride.1 > 0 && dilation.0 > 0 && dilation.1 > 0)
        // PyTorch: "pad should be at most half of effective kernel size".
        precondition(padding.0 >= 0 && padding.1 >= 0 && padding.0 * 2 <= kernel.0 && padding.1 * 2 <= kernel.1,
                     "pooling padding must be at most half the kernel")
        kernelH = kernel.0; kernelW = kernel.1
        strideH = stride.0; strideW = stride.1
        paddingH = padding.0; paddingW = padding.1
        dilationH = dilation.0; dilationW = dilation.1
        self.ceilMode = ceilMode
        self.countIncludePad = countIncludePad
    }

    /// Output height and width for an input of `height` x `width`.
    package func outputSize(height: Int, width: Int) -> (Int, Int) {
        (Self.pooledSize(height, kernelH, strideH, paddingH, dilationH, ceilMode),
         Self.pooledSize(width, kernelW, strideW, paddingW, dilationW, ceilMode))
    }

    /// PyTorch's `pooling_output_shape` (aten/src/ATen/native/Pool.h):
    /// out = floor_or_ceil((in + 2*pad - dilation*(k-1) - 1) / stride) + 1, and in ceil mode
    /// out -= 1 when (out - 1) * stride >= in + pad (the last window would start in the right padding).
    static func pooledSize(_ input: Int, _ kernel: Int, _ stride: Int, _ pad: Int, _ dilation: Int,
                           _ ceilMode: Bool) -> Int {
        let numerator = input + 2 * pad - dilation * (kernel - 1) - 1 + (ceilMode ? stride - 1 : 0)
        precondition(numerator >= 0, "pooling window larger than padded input")
        var size = numerator / stride + 1
        if ceilMode && (size - 1) * stride >= input + pad { size -= 1 }
        return size
    }
}
