import MemQCore

/// ResNet, ResNeXt and Wide ResNet (torchvision/models/resnet.py).
enum ResNet {
    struct Variant {
        let name: String
        let bottleneck: Bool
        let layers: [Int]
        var groups = 1
        var widthPerGroup = 64
    }

    static let variants: [Variant] = [
        Variant(name: "resnet18", bottleneck: false, layers: [2, 2, 2, 2]),
        Variant(name: "resnet34", bottleneck: false, layers: [3, 4, 6, 3]),
        Variant(name: "resnet50", bottleneck: true, layers: [3, 4, 6, 3]),
        Variant(name: "resnet101", bottleneck: true, layers: [3, 4, 23, 3]),
        Variant(name: "resnet152", bottleneck: true, layers: [3, 8, 36, 3]),
        Variant(name: "resnext50_32x4d", bottleneck: true, layers: [3, 4, 6, 3], groups: 32, widthPerGroup: 4),
        Variant(name: "resnext101_32x8d", bottleneck: true, layers: [3, 4, 23, 3], groups: 32, widthPerGroup: 8),
        Variant(name: "resnext101_64x4d", bottleneck: true, layers: [3, 4, 23, 3], groups: 64, widthPerGroup: 4),
        Variant(name: "wide_resnet50_2", bottleneck: true, layers: [3, 4, 6, 3], widthPerGroup: 128),
        Variant(name: "wide_resnet101_2", bottleneck: true, layers: [3, 4, 23, 3], widthPerGroup: 128),
    ]

    static let entries: [ZooEntry] = variants.map { v in
        ZooEntry(name: v.name, family: v.name.hasPrefix("resnext") ? "resnext" : v.name.hasPrefix("wide") ? "wide_resnet" : "resnet",
                 defaultInput: [3, 224, 224]) { input throws(ModelError) in try build(v, input: input) }
    }

    static func build(_ v: Variant, input: [Int]) throws(ModelError) -> Graph {
        var b = GraphBuilder(name: v.name)
        var x = b.input(shape: input)
        x = b.conv(x, "conv1", out: 64, kernel: 7, stride: 2, padding: 3, bias: false)
        x = b.batchNorm(x, "bn1")
        x = b.relu(x, "relu")
        x = b.maxPool(x, "maxpool", kernel: 3, stride: 2, padding: 1)
        let expansion = v.bottleneck ? 4 : 1
        var inplanes = 64
        for (stage, blocks) in v.layers.enumerated() {
            let planes = 64 << stage
            b.scoped("layer\(stage + 1)") { b in
                for i in 0..<blocks {
                    let stride = (stage > 0 && i == 0) ? 2 : 1
                    let downsample = i == 0 && (stride != 1 || inplanes != planes * expansion)
                    b.scoped("\(i)") { b in
                        x = v.bottleneck
                            ? bottleneck(&b, x, planes: planes, stride: stride, downsample: downsample,
                                         groups: v.groups, widthPerGroup: v.widthPerGroup)
                            : basicBlock(&b, x, planes: planes, stride: stride, downsample: downsample)
                    }
                    inplanes = planes * expansion
                }
            }
        }
        x = b.adaptiveAvgPool(x, "avgpool")
        x = b.flatten(x)
        x = b.linear(x, "fc", out: 1000)
        return try b.build()
    }

    /// conv3x3-bn-relu-conv3x3-bn, plus the (projected) identity, then ReLU. `out += identity` is in place.
    static func basicBlock(_ b: inout GraphBuilder, _ x: String, planes: Int, stride: Int, downsample: Bool) -> String {
        var out = b.conv(x, "conv1", out: planes, kernel: 3, stride: stride, padding: 1, bias: false)
        out = b.batchNorm(out, "bn1")
        out = b.relu(out, "relu")
        out = b.conv(out, "conv2", out: planes, kernel: 3, padding: 1, bias: false)
        out = b.batchNorm(out, "bn2")
        let identity = downsample ? projection(&b, x, out: planes, stride: stride) : x
        out = b.sum([out, identity], "add", inplace: true)
        return b.relu(out, "relu")
    }

    /// conv1x1-bn-relu-conv3x3(groups)-bn-relu-conv1x1-bn, plus the identity, then ReLU.
    static func bottleneck(_ b: inout GraphBuilder, _ x: String, planes: Int, stride: Int, downsample: Bool,
                           groups: Int, widthPerGroup: Int) -> String {
        let width = planes * widthPerGroup / 64 * groups
        var out = b.conv(x, "conv1", out: width, kernel: 1, bias: false)
        out = b.batchNorm(out, "bn1")
        out = b.relu(out, "relu")
        out = b.conv(out, "conv2", out: width, kernel: 3, stride: stride, padding: 1, groups: groups, bias: false)
        out = b.batchNorm(out, "bn2")
        out = b.relu(out, "relu")
        out = b.conv(out, "conv3", out: planes * 4, kernel: 1, bias: false)
        out = b.batchNorm(out, "bn3")
        let identity = downsample ? projection(&b, x, out: planes * 4, stride: stride) : x
        out = b.sum([out, identity], "add", inplace: true)
        return b.relu(out, "relu")
    }

    static func projection(_ b: inout GraphBuilder, _ x: String, out: Int, stride: Int) -> String {
        b.scoped("downsample") { b in
            let y = b.conv(x, "0", out: out, kernel: 1, stride: stride, bias: false)
            return b.batchNorm(y, "1")
        }
    }
}
