import MemQCore

/// YOLOv3 (Redmon & Farhadi 2018) as darknet's `yolov3.cfg` defines it and the reference PyTorch ports build it
/// (ultralytics/yolov3 `Darknet`, eriklindernoren/PyTorch-YOLOv3): a Darknet-53 backbone and three detection heads at
/// strides 32, 16 and 8, 80 classes, 3 anchors per cell, 416x416 input.
///
/// Node names follow the cfg's 107 layers (`module_list.N`); every conv but the three heads' last is conv (no bias),
/// BatchNorm, LeakyReLU(0.1) in place (ultralytics). Parameters: 61,949,149 trainable plus 52,608 BatchNorm running
/// statistics. In training each head's `[255, ny, nx]` map is viewed as `[3, 85, ny, nx]` and permuted to
/// `[3, ny, nx, 85]` (ultralytics `YOLOLayer`); the graph's output joins the three heads as `[3*(13^2+26^2+52^2), 85]`
/// (10,647 boxes at 416x416), as the inference path's `torch.cat(p.view(bs, -1, 85))` does.
enum YOLOv3 {
    static let classes = 80
    static let anchorsPerCell = 3

    static let entries: [ZooEntry] = [
        ZooEntry(name: "yolov3", family: "yolo", defaultInput: [3, 416, 416], build: build),
    ]

    static func build(_ input: [Int]) throws(ModelError) -> Graph {
        guard input.count == 3, input[1] % 32 == 0, input[2] % 32 == 0 else {
            throw .invalidValue(node: "input", field: "shape",
                                message: "yolov3 expects C x H x W with H and W multiples of 32 (e.g. 3x416x416), got \(input)")
        }
        var b = GraphBuilder(name: "yolov3")
        var layers: [String] = []          // output of each cfg layer, by index
        var x = b.input(shape: input)
        func conv(_ b: inout GraphBuilder, _ out: Int, _ kernel: Int, stride: Int = 1, head: Bool = false) {
            let i = layers.count
            b.scoped("module_list") { b in
                b.scoped("\(i)") { b in
                    if head {
                        x = b.conv(x, "Conv2d", out: out, kernel: kernel, bias: true)
                    } else {
                        x = b.conv(x, "Conv2d", out: out, kernel: kernel, stride: stride, padding: (kernel - 1) / 2, bias: false)
                        x = b.batchNorm(x, "BatchNorm2d")
                        x = b.add("activation", .activation(Activation(.leakyRelu, inplace: true, negativeSlope: 0.1)), [x])
                    }
                }
            }
            layers.append(x)
        }
        func shortcut(_ b: inout GraphBuilder, from: Int) {
            x = b.scoped("module_list") { b in b.sum([x, layers[layers.count + from]], "\(layers.count)") }
            layers.append(x)
        }
        func route(_ b: inout GraphBuilder, _ sources: [Int]) {
            let inputs = sources.map { $0 < 0 ? layers[layers.count + $0] : layers[$0] }
            x = inputs.count == 1 ? inputs[0] : b.scoped("module_list") { b in b.concat(inputs, "\(layers.count)") }
            layers.append(x)
        }
        func upsample(_ b: inout GraphBuilder) {
            x = b.scoped("module_list") { b in b.upsample(x, "\(layers.count)", scale: 2) }
            layers.append(x)
        }
        var heads: [String] = []
        func yolo(_ b: inout GraphBuilder, stride: Int) {
            let ny = input[1] / stride, nx = input[2] / stride, box = 5 + classes
            let p = b.scoped("module_list") { b in
                b.scoped("\(layers.count)") { b in
                    var p = b.reshape(x, "view", shape: [anchorsPerCell, box, ny, nx])
                    p = b.permute(p, "permute", dims: [0, 1, 3, 4, 2])
                    return b.reshape(p, "flatten", shape: [anchorsPerCell * ny * nx, box])
                }
            }
            heads.append(p)
            layers.append(x)
        }

        // Darknet-53: a 3x3 conv, then five stages of a stride-2 conv and n residual pairs (1x1 half, 3x3 back).
        conv(&b, 32, 3)
        for (width, repeats) in [(64, 1), (128, 2), (256, 8), (512, 8), (1024, 4)] {
            conv(&b, width, 3, stride: 2)
            for _ in 0..<repeats {
                conv(&b, width / 2, 1)
                conv(&b, width, 3)
                shortcut(&b, from: -3)
            }
        }
        // Three heads: five alternating 1x1/3x3 convs, a 3x3, the 1x1 output conv, the YOLO layer; between heads a
        // route back to the fifth conv, a 1x1 halving, 2x upsampling and a route joining the backbone (layers 61, 36).
        let detections = anchorsPerCell * (5 + classes)
        for (i, (mid, stride)) in [(512, 32), (256, 16), (128, 8)].enumerated() {
            if i > 0 {
                route(&b, [-4])
                conv(&b, mid, 1)
                upsample(&b)
                route(&b, [-1, i == 1 ? 61 : 36])
            }
            for _ in 0..<2 { conv(&b, mid, 1); conv(&b, mid * 2, 3) }
            conv(&b, mid, 1)
            conv(&b, mid * 2, 3)
            conv(&b, detections, 1, head: true)
            yolo(&b, stride: stride)
        }
        let out = b.concat(heads, "detections", dim: 1)
        return try b.build(output: out)
    }
}
