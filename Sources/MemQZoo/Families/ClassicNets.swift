import MemQCore

/// LeNet-5 and AlexNet.
enum ClassicNets {
    static let entries: [ZooEntry] = [
        ZooEntry(name: "lenet5", family: "lenet", defaultInput: [1, 32, 32], build: lenet5),
        ZooEntry(name: "alexnet", family: "alexnet", defaultInput: [3, 224, 224], build: alexnet),
    ]

    /// LeNet-5 (LeCun et al. 1998) with ReLU and max pooling, as in most modern re-implementations:
    /// conv 1->6 5x5, pool, conv 6->16 5x5, pool, fc 400->120->84->10 (61,706 parameters).
    static func lenet5(_ input: [Int]) throws(ModelError) -> Graph {
        var b = GraphBuilder(name: "lenet5")
        var x = b.input(shape: input)
        x = b.conv(x, "conv1", out: 6, kernel: 5)
        x = b.relu(x, "relu1", inplace: false)
        x = b.maxPool(x, "pool1", kernel: 2)
        x = b.conv(x, "conv2", out: 16, kernel: 5)
        x = b.relu(x, "relu2", inplace: false)
        x = b.maxPool(x, "pool2", kernel: 2)
        x = b.flatten(x)
        x = b.linear(x, "fc1", out: 120)
        x = b.relu(x, "relu3", inplace: false)
        x = b.linear(x, "fc2", out: 84)
        x = b.relu(x, "relu4", inplace: false)
        x = b.linear(x, "fc3", out: 10)
        return try b.build()
    }

    /// torchvision `alexnet` (torchvision/models/alexnet.py).
    static func alexnet(_ input: [Int]) throws(ModelError) -> Graph {
        var b = GraphBuilder(name: "alexnet")
        var x = b.input(shape: input)
        b.scoped("features") { b in
            x = b.conv(x, "0", out: 64, kernel: 11, stride: 4, padding: 2)
            x = b.relu(x, "1")
            x = b.maxPool(x, "2", kernel: 3, stride: 2)
            x = b.conv(x, "3", out: 192, kernel: 5, padding: 2)
            x = b.relu(x, "4")
            x = b.maxPool(x, "5", kernel: 3, stride: 2)
            x = b.conv(x, "6", out: 384, kernel: 3, padding: 1)
            x = b.relu(x, "7")
            x = b.conv(x, "8", out: 256, kernel: 3, padding: 1)
            x = b.relu(x, "9")
            x = b.conv(x, "10", out: 256, kernel: 3, padding: 1)
            x = b.relu(x, "11")
            x = b.maxPool(x, "12", kernel: 3, stride: 2)
        }
        x = b.adaptiveAvgPool(x, "avgpool", size: 6)
        x = b.flatten(x)
        b.scoped("classifier") { b in
            x = b.dropout(x, "0", p: 0.5)
            x = b.linear(x, "1", out: 4096)
            x = b.relu(x, "2")
            x = b.dropout(x, "3", p: 0.5)
            x = b.linear(x, "4", out: 4096)
            x = b.relu(x, "5")
            x = b.linear(x, "6", out: 1000)
        }
        return try b.build()
    }
}
