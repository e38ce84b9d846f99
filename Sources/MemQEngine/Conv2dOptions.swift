// Hyper-parameters of a 2-D convolution.

/// Hyper-parameters of a 2-D convolution, as in PyTorch's `nn.Conv2d` (stride, padding, dilation, groups).
package struct Conv2dOptions: Sendable, Hashable {
    /// Vertical stride.
    package var strideH: Int
    /// Horizontal stride.
    package var strideW: Int
    /// Zero padding above and below.
    package var paddingH: Int
    /// Zero padding left and right.
    package var paddingW: Int
    /// Vertical spacing between kernel taps.
    package var dilationH: Int
    /// Horizontal spacing between kernel taps.
    package var dilationW: Int
    /// Channel groups: 1 is dense, C is depthwise.
    package var groups: Int

    /// Square stride, padding and dilation.
    package init(stride: Int = 1, padding: Int = 0, dilation: Int = 1, groups: Int = 1) {
        self.init(stride: (stride, stride), padding: (padding, padding), dilation: (dilation, dilation),
                  groups: groups)
    }

    /// Per-axis (height, width) stride, padding and dilation.
    package init(stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int) = (1, 1), groups: Int = 1) {
        precondition(stride.0 > 0 && stride.1 > 0 && dilation.0 > 0 && dilation.1 > 0 && groups > 0)
        precondition(padding.0 >= 0 && padding.1 >= 0)
        strideH = stride.0; strideW = stride.1
        paddingH = padding.0; paddingW = padding.1
        dilationH = dilation.0; dilationW = dilation.1
        self.groups = groups
    }
}
