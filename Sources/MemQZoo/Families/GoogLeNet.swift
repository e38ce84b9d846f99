import MemQCore

/// GoogLeNet (Inception v1) as torchvision builds it with its ImageNet weights (torchvision/models/googlenet.py):
/// `transform_input=True`, and the two auxiliary classifiers removed after loading (`aux_logits` off), so neither
/// they nor their parameters are part of the counted model.
enum GoogLeNet {
    /// (1x1, 3x3 reduce, 3x3, "5x5" reduce, "5x5" (a 3x3 in torchvision), pool projection).
    typealias Inception = (c1: Int, c3r: Int, c3: Int, c5r: Int, c5: Int, pool: Int)

    static let entries: [ZooEntry] = [
        ZooEntry(name: "googlenet", family: "googlenet", defaultInput: [3, 224, 224], build: build),
    ]

    static func build(_ input: [Int]) throws(ModelError) -> Graph {
        var b = GraphBuilder(name: "googlenet")
        var x = b.input(shape: input)
        x = transformInput(&b, x)
        x = basicConv(&b, x, "conv1", out: 64, kernel: 7, stride: 2, padding: 3)
        x = b.maxPool(x, "maxpool1", kernel: 3, stride: 2, ceilMode: true)
        x = basicConv(&b, x, "conv2", out: 64, kernel: 1)
        x = basicConv(&b, x, "conv3", out: 192, kernel: 3, padding: 1)
        x = b.maxPool(x, "maxpool2", kernel: 3, stride: 2, ceilMode: true)
        x = inception(&b, x, "inception3a", (64, 96, 128, 16, 32, 32))
        x = inception(&b, x, "inception3b", (128, 128, 192, 32, 96, 64))
        x = b.maxPool(x, "maxpool3", kernel: 3, stride: 2, ceilMode: true)
        x = inception(&b, x, "inception4a", (192, 96, 208, 16, 48, 64))
        x = inception(&b, x, "inception4b", (160, 112, 224, 24, 64, 64))
        x = inception(&b, x, "inception4c", (128, 128, 256, 24, 64, 64))
        x = inception(&b, x, "inception4d", (112, 144, 288, 32, 64, 64))
        x = inception(&b, x, "inception4e", (256, 160, 320, 32, 128, 128))
        x = b.maxPool(x, "maxpool4", kernel: 2, stride: 2, ceilMode: true)
        x = inception(&b, x, "inception5a", (256, 160, 320, 32, 128, 128))
        x = inception(&b, x, "inception5b", (384, 192, 384, 48, 128, 128))
        x = b.adaptiveAvgPool(x, "avgpool")
        x = b.flatten(x)
        x = b.dropout(x, "dropout", p: 0.2)
        x = b.linear(x, "fc", out: 1000)
        return try b.build()
    }

    /// `_transform_input`: each channel re-normalised from ImageNet statistics to [-1, 1]
    /// (`x[:, c:c+1] * (std_c / 0.5) + (mean_c - 0.5) / 0.5`), then concatenated. The affine map is one scale node
    /// per channel (the op has no learned or added term; the shapes and tensors are the same).
    static func transformInput(_ b: inout GraphBuilder, _ x: String) -> String {
        b.scoped("transform_input") { b in
            let stds = [0.229, 0.224, 0.225]
            let channels = (0..<3).map { c in
                let s = b.chunk(x, "x_ch\(c)", chunks: 3, index: c)
                return b.add("scale\(c)", .scale(factor: stds[c] / 0.5), [s])
            }
            return b.concat(channels)
        }
    }

    /// `BasicConv2d`: conv without bias, BatchNorm (eps 0.001), ReLU in place.
    static func basicConv(_ b: inout GraphBuilder, _ x: String, _ local: String, out: Int, kernel: Int, stride: Int = 1,
                          padding: Int = 0) -> String {
        b.block(local) { b in
            var y = b.conv(x, "conv", out: out, kernel: kernel, stride: stride, padding: padding, bias: false)
            y = b.batchNorm(y, "bn")
            return b.relu(y, "relu")
        }
    }

    static func inception(_ b: inout GraphBuilder, _ x: String, _ local: String, _ c: Inception) -> String {
        b.block(local) { b in
            let b1 = basicConv(&b, x, "branch1", out: c.c1, kernel: 1)
            let b2 = b.scoped("branch2") { b in
                let y = basicConv(&b, x, "0", out: c.c3r, kernel: 1)
                return basicConv(&b, y, "1", out: c.c3, kernel: 3, padding: 1)
            }
            let b3 = b.scoped("branch3") { b in
                let y = basicConv(&b, x, "0", out: c.c5r, kernel: 1)
                return basicConv(&b, y, "1", out: c.c5, kernel: 3, padding: 1)
            }
            let b4 = b.scoped("branch4") { b in
                let y = b.maxPool(x, "0", kernel: 3, stride: 1, padding: 1, ceilMode: true)
                return basicConv(&b, y, "1", out: c.pool, kernel: 1)
            }
            return b.concat([b1, b2, b3, b4])
        }
    }
}
