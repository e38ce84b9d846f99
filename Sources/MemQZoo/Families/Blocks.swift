import MemQCore

/// torchvision's shared building blocks (torchvision/ops/misc.py, torchvision/models/_utils.py).
extension GraphBuilder {
    /// `Conv2dNormActivation`: conv (bias only without a norm), BatchNorm, activation, as children `0`, `1`, `2`;
    /// padding `(kernel - 1) / 2 * dilation` unless given.
    mutating func convNormAct(_ x: String, _ local: String, out: Int, kernel: Int, stride: Int = 1, padding: Int? = nil,
                              groups: Int = 1, dilation: Int = 1, norm: Bool = true,
                              act: Activation.Function? = .relu, inplace: Bool = true, bias: Bool? = nil) -> String {
        scoped(local) { b in
            var y = b.conv(x, "0", out: out, kernel: kernel, stride: stride, padding: padding ?? (kernel - 1) / 2 * dilation,
                           dilation: dilation, groups: groups, bias: bias ?? !norm)
            if norm { y = b.batchNorm(y, "1") }
            if let act { y = b.act(y, norm ? "2" : "1", act, inplace: inplace) }
            return y
        }
    }

    /// `SqueezeExcitation`: adaptive average pool, 1x1 conv to `squeeze`, activation, 1x1 conv back to `channels`,
    /// scale activation, then `scale * input`.
    mutating func squeezeExcitation(_ x: String, _ local: String, channels: Int, squeeze: Int,
                                    activation: Activation.Function = .relu, inplace: Bool = false,
                                    scaleActivation: Activation.Function = .sigmoid) -> String {
        scoped(local) { b in
            var s = b.adaptiveAvgPool(x, "avgpool")
            s = b.conv(s, "fc1", out: squeeze, kernel: 1)
            s = b.act(s, "activation", activation, inplace: inplace)
            s = b.conv(s, "fc2", out: channels, kernel: 1)
            s = b.act(s, "scale_activation", scaleActivation)
            return b.mul([s, x], "mul")
        }
    }

    /// ConvNeXt's `LayerNorm2d`: permute to channels-last, LayerNorm over channels, permute back.
    mutating func layerNorm2d(_ x: String, _ local: String) -> String {
        scoped(local) { b in
            var y = b.permute(x, "permute_in", dims: [0, 2, 3, 1])
            y = b.layerNorm(y, "norm")
            return b.permute(y, "permute_out", dims: [0, 3, 1, 2])
        }
    }
}

/// torchvision `_make_divisible` (from the TensorFlow MobileNet code): round `v` to a multiple of `divisor`, at least
/// `minValue` (default `divisor`), never more than 10% below `v`.
func makeDivisible(_ v: Double, _ divisor: Int, minValue: Int? = nil) -> Int {
    let minimum = minValue ?? divisor
    var newV = max(minimum, Int(v + Double(divisor) / 2) / divisor * divisor)
    if Double(newV) < 0.9 * v { newV += divisor }
    return newV
}
