import MemQCore

/// Inception v3 as torchvision builds it with its ImageNet weights (torchvision/models/inception.py):
/// `transform_input=True` and `aux_logits=True`, so the auxiliary classifier (`AuxLogits`, 3,326,696 parameters) is
/// part of the counted model and runs in training. The graph's output is the main logits (`fc`); `AuxLogits.fc` is
/// a second head that the training loss also reads.
enum InceptionV3 {
    static let entries: [ZooEntry] = [
        ZooEntry(name: "inception_v3", family: "inception", defaultInput: [3, 299, 299], build: build),
    ]

    static func build(_ input: [Int]) throws(ModelError) -> Graph {
        var b = GraphBuilder(name: "inception_v3")
        var x = b.input(shape: input)
        x = GoogLeNet.transformInput(&b, x)
        x = conv(&b, x, "Conv2d_1a_3x3", out: 32, kernel: 3, stride: 2)
        x = conv(&b, x, "Conv2d_2a_3x3", out: 32, kernel: 3)
        x = conv(&b, x, "Conv2d_2b_3x3", out: 64, kernel: 3, padding: 1)
        x = b.maxPool(x, "maxpool1", kernel: 3, stride: 2)
        x = conv(&b, x, "Conv2d_3b_1x1", out: 80, kernel: 1)
        x = conv(&b, x, "Conv2d_4a_3x3", out: 192, kernel: 3)
        x = b.maxPool(x, "maxpool2", kernel: 3, stride: 2)
        x = inceptionA(&b, x, "Mixed_5b", poolFeatures: 32)
        x = inceptionA(&b, x, "Mixed_5c", poolFeatures: 64)
        x = inceptionA(&b, x, "Mixed_5d", poolFeatures: 64)
        x = inceptionB(&b, x, "Mixed_6a")
        x = inceptionC(&b, x, "Mixed_6b", c7: 128)
        x = inceptionC(&b, x, "Mixed_6c", c7: 160)
        x = inceptionC(&b, x, "Mixed_6d", c7: 160)
        x = inceptionC(&b, x, "Mixed_6e", c7: 192)
        let aux = x
        var auxLogits = ""
        b.block("AuxLogits") { b in
            var a = b.avgPool(aux, "avg_pool", kernel: 5, stride: 3)
            a = conv(&b, a, "conv0", out: 128, kernel: 1)
            a = conv(&b, a, "conv1", out: 768, kernel: 5)
            a = b.adaptiveAvgPool(a, "adaptive_avg_pool")
            a = b.flatten(a)
            auxLogits = b.linear(a, "fc", out: 1000)
        }
        x = inceptionD(&b, x, "Mixed_7a")
        x = inceptionE(&b, x, "Mixed_7b")
        x = inceptionE(&b, x, "Mixed_7c")
        x = b.adaptiveAvgPool(x, "avgpool")
        x = b.dropout(x, "dropout", p: 0.5)
        x = b.flatten(x)
        x = b.linear(x, "fc", out: 1000)
        var graph = try b.build(output: x)
        // torchvision's reference training script (references/classification/train.py): `loss1 + 0.4 * loss2`.
        graph.auxiliaryLosses = [Graph.AuxiliaryLoss(node: auxLogits, weight: 0.4)]
        return graph
    }

    /// `BasicConv2d` with a possibly rectangular kernel.
    static func conv(_ b: inout GraphBuilder, _ x: String, _ local: String, out: Int, kernel: Int, stride: Int = 1,
                     padding: Int = 0) -> String {
        GoogLeNet.basicConv(&b, x, local, out: out, kernel: kernel, stride: stride, padding: padding)
    }

    static func conv(_ b: inout GraphBuilder, _ x: String, _ local: String, out: Int, kernel: (Int, Int)) -> String {
        b.block(local) { b in
            var y = b.conv(x, "conv", out: out, kernel: Pair(kernel.0, kernel.1),
                           padding: Pair((kernel.0 - 1) / 2, (kernel.1 - 1) / 2), bias: false)
            y = b.batchNorm(y, "bn")
            return b.relu(y, "relu")
        }
    }

    /// `F.avg_pool2d(x, 3, stride=1, padding=1)` then a 1x1 BasicConv2d.
    static func poolBranch(_ b: inout GraphBuilder, _ x: String, out: Int) -> String {
        let p = b.avgPool(x, "avg_pool", kernel: 3, stride: 1, padding: 1)
        return conv(&b, p, "branch_pool", out: out, kernel: 1)
    }

    static func inceptionA(_ b: inout GraphBuilder, _ x: String, _ local: String, poolFeatures: Int) -> String {
        b.block(local) { b in
            let b1 = conv(&b, x, "branch1x1", out: 64, kernel: 1)
            var b5 = conv(&b, x, "branch5x5_1", out: 48, kernel: 1)
            b5 = conv(&b, b5, "branch5x5_2", out: 64, kernel: 5, padding: 2)
            var b3 = conv(&b, x, "branch3x3dbl_1", out: 64, kernel: 1)
            b3 = conv(&b, b3, "branch3x3dbl_2", out: 96, kernel: 3, padding: 1)
            b3 = conv(&b, b3, "branch3x3dbl_3", out: 96, kernel: 3, padding: 1)
            let bp = poolBranch(&b, x, out: poolFeatures)
            return b.concat([b1, b5, b3, bp])
        }
    }

    static func inceptionB(_ b: inout GraphBuilder, _ x: String, _ local: String) -> String {
        b.block(local) { b in
            let b3 = conv(&b, x, "branch3x3", out: 384, kernel: 3, stride: 2)
            var bd = conv(&b, x, "branch3x3dbl_1", out: 64, kernel: 1)
            bd = conv(&b, bd, "branch3x3dbl_2", out: 96, kernel: 3, padding: 1)
            bd = conv(&b, bd, "branch3x3dbl_3", out: 96, kernel: 3, stride: 2)
            let bp = b.maxPool(x, "max_pool", kernel: 3, stride: 2)
            return b.concat([b3, bd, bp])
        }
    }

    static func inceptionC(_ b: inout GraphBuilder, _ x: String, _ local: String, c7: Int) -> String {
        b.block(local) { b in
            let b1 = conv(&b, x, "branch1x1", out: 192, kernel: 1)
            var b7 = conv(&b, x, "branch7x7_1", out: c7, kernel: 1)
            b7 = conv(&b, b7, "branch7x7_2", out: c7, kernel: (1, 7))
            b7 = conv(&b, b7, "branch7x7_3", out: 192, kernel: (7, 1))
            var bd = conv(&b, x, "branch7x7dbl_1", out: c7, kernel: 1)
            bd = conv(&b, bd, "branch7x7dbl_2", out: c7, kernel: (7, 1))
            bd = conv(&b, bd, "branch7x7dbl_3", out: c7, kernel: (1, 7))
            bd = conv(&b, bd, "branch7x7dbl_4", out: c7, kernel: (7, 1))
            bd = conv(&b, bd, "branch7x7dbl_5", out: 192, kernel: (1, 7))
            let bp = poolBranch(&b, x, out: 192)
            return b.concat([b1, b7, bd, bp])
        }
    }

    static func inceptionD(_ b: inout GraphBuilder, _ x: String, _ local: String) -> String {
        b.block(local) { b in
            var b3 = conv(&b, x, "branch3x3_1", out: 192, kernel: 1)
            b3 = conv(&b, b3, "branch3x3_2", out: 320, kernel: 3, stride: 2)
            var b7 = conv(&b, x, "branch7x7x3_1", out: 192, kernel: 1)
            b7 = conv(&b, b7, "branch7x7x3_2", out: 192, kernel: (1, 7))
            b7 = conv(&b, b7, "branch7x7x3_3", out: 192, kernel: (7, 1))
            b7 = conv(&b, b7, "branch7x7x3_4", out: 192, kernel: 3, stride: 2)
            let bp = b.maxPool(x, "max_pool", kernel: 3, stride: 2)
            return b.concat([b3, b7, bp])
        }
    }

    static func inceptionE(_ b: inout GraphBuilder, _ x: String, _ local: String) -> String {
        b.block(local) { b in
            let b1 = conv(&b, x, "branch1x1", out: 320, kernel: 1)
            let b3 = conv(&b, x, "branch3x3_1", out: 384, kernel: 1)
            let b3a = conv(&b, b3, "branch3x3_2a", out: 384, kernel: (1, 3))
            let b3b = conv(&b, b3, "branch3x3_2b", out: 384, kernel: (3, 1))
            let b3cat = b.concat([b3a, b3b], "cat_3x3")
            var bd = conv(&b, x, "branch3x3dbl_1", out: 448, kernel: 1)
            bd = conv(&b, bd, "branch3x3dbl_2", out: 384, kernel: 3, padding: 1)
            let bda = conv(&b, bd, "branch3x3dbl_3a", out: 384, kernel: (1, 3))
            let bdb = conv(&b, bd, "branch3x3dbl_3b", out: 384, kernel: (3, 1))
            let bdcat = b.concat([bda, bdb], "cat_3x3dbl")
            let bp = poolBranch(&b, x, out: 192)
            return b.concat([b1, b3cat, bdcat, bp])
        }
    }
}
