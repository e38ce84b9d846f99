/// A 2-D convolution (PyTorch `nn.Conv2d`).
///
/// Output size per spatial dimension (PyTorch's Conv2d docs; the design notes' `N = floor((W - F + 2P)/S) + 1`):
/// `out = floor((in + padTotal - dilation*(kernel-1) - 1) / stride) + 1`.
public struct Conv2d: Sendable, Hashable {
    public var outChannels: Int
    public var kernel: Pair
    public var stride: Pair
    public var padding: Padding
    public var dilation: Pair
    public var groups: Int
    public var bias: Bool
    /// When given, checked against the input's channels.
    public var inChannels: Int?

    public init(outChannels: Int, kernel: Pair, stride: Pair = .init(1), padding: Padding = .explicit(.init(0)),
                dilation: Pair = .init(1), groups: Int = 1, bias: Bool = true, inChannels: Int? = nil) {
        self.outChannels = outChannels; self.kernel = kernel; self.stride = stride; self.padding = padding
        self.dilation = dilation; self.groups = groups; self.bias = bias; self.inChannels = inChannels
    }

    /// Total padding (both sides) along one spatial dimension.
    func paddingTotal(axis: Int, input: Int) -> Int {
        let k = kernel[axis], d = dilation[axis], s = stride[axis]
        switch padding {
        case .explicit(let p): return 2 * p[axis]
        case .asymmetric(let before, let after): return before[axis] + after[axis]
        case .valid: return 0
        case .full: return 2 * d * (k - 1)
        case .same:
            // TensorFlow's rule, which PyTorch's `padding='same'` equals at stride 1: out = ceil(in / stride).
            let out = (input + s - 1) / s
            return max(0, (out - 1) * s + d * (k - 1) + 1 - input)
        }
    }
}

/// Two integers for the height and width axes, written as one number when both are equal.
public struct Pair: Sendable, Hashable, CustomStringConvertible {
    public var h: Int
    public var w: Int
    public init(_ h: Int, _ w: Int) { self.h = h; self.w = w }
    public init(_ both: Int) { self.h = both; self.w = both }
    public subscript(axis: Int) -> Int { axis == 0 ? h : w }
    public var description: String { h == w ? "\(h)" : "\(h)x\(w)" }
    public var product: Int { h * w }
}

/// Padding of a convolution or pooling window.
public enum Padding: Sendable, Hashable {
    /// The same number of zeros on both sides of each axis.
    case explicit(Pair)
    /// Different padding before and after (top/left, bottom/right).
    case asymmetric(before: Pair, after: Pair)
    /// Output size `ceil(in / stride)` (at stride 1 the output equals the input).
    case same
    /// No padding.
    case valid
    /// `dilation*(kernel-1)` on each side: every partial overlap produces an output.
    case full
}

extension Conv2d {
    /// Elements of the native engine's im2col workspace: C/g*Kh*Kw*P*Q (one sample, one group) while the kernel
    /// runs, forward and backward; none for depthwise (groups == C > 1) and pointwise (1x1, stride 1, no padding)
    /// convolutions (MemQEngine/Conv2dGeometry.swift, which sizes the buffer it allocates the same way).
    /// `outputDims` is one sample's (K, P, Q).
    public func nativeWorkspaceElements(inChannels: Int, outputDims: [Int]) -> Int {
        let unpadded: Bool = switch padding {
        case .explicit(let p): p == Pair(0)
        case .asymmetric(let before, let after): before == Pair(0) && after == Pair(0)
        case .same, .valid, .full: true  // zero for a 1x1 kernel at stride 1
        }
        let pointwise = kernel.product == 1 && stride.product == 1 && unpadded
        let depthwise = groups > 1 && groups == inChannels
        return pointwise || depthwise ? 0 : inChannels / groups * kernel.product * outputDims[1] * outputDims[2]
    }
}
