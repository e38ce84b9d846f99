// The convolution configurations the tests run over.
import Testing
import MemQEngine

/// One convolution configuration under test.
struct ConvCase: Sendable, CustomTestStringConvertible {
    let name: String
    let input: [Int]        // (N, C, H, W)
    let outChannels: Int
    let kernel: (Int, Int)
    let options: Conv2dOptions
    let bias: Bool

    var weightShape: [Int] { [outChannels, input[1] / options.groups, kernel.0, kernel.1] }
    var testDescription: String { name }

    static let all: [ConvCase] = [
        ConvCase(name: "3x3 s1 p1 bias", input: [2, 3, 5, 5], outChannels: 4, kernel: (3, 3),
                 options: Conv2dOptions(stride: 1, padding: 1), bias: true),
        ConvCase(name: "3x3 stride 2 p1 no bias", input: [2, 3, 6, 5], outChannels: 2, kernel: (3, 3),
                 options: Conv2dOptions(stride: 2, padding: 1), bias: false),
        ConvCase(name: "3x3 dilation 2 p2 bias", input: [1, 2, 7, 6], outChannels: 3, kernel: (3, 3),
                 options: Conv2dOptions(stride: 1, padding: 2, dilation: 2), bias: true),
        ConvCase(name: "groups 2 stride 2 bias", input: [2, 4, 5, 5], outChannels: 6, kernel: (3, 3),
                 options: Conv2dOptions(stride: 2, padding: 1, groups: 2), bias: true),
        ConvCase(name: "depthwise s1 p1 bias", input: [2, 3, 5, 5], outChannels: 3, kernel: (3, 3),
                 options: Conv2dOptions(stride: 1, padding: 1, groups: 3), bias: true),
        ConvCase(name: "depthwise s2 no bias", input: [2, 4, 6, 5], outChannels: 4, kernel: (3, 3),
                 options: Conv2dOptions(stride: 2, padding: 1, groups: 4), bias: false),
        ConvCase(name: "depthwise multiplier 2 dilation 2", input: [1, 2, 6, 6], outChannels: 4, kernel: (3, 3),
                 options: Conv2dOptions(stride: 1, padding: 2, dilation: 2, groups: 2), bias: true),
        ConvCase(name: "pointwise 1x1 bias", input: [2, 4, 3, 4], outChannels: 3, kernel: (1, 1),
                 options: Conv2dOptions(), bias: true),
        ConvCase(name: "pointwise 1x1 groups 2", input: [2, 4, 3, 3], outChannels: 6, kernel: (1, 1),
                 options: Conv2dOptions(groups: 2), bias: false),
        ConvCase(name: "1x1 stride 2", input: [2, 3, 5, 5], outChannels: 2, kernel: (1, 1),
                 options: Conv2dOptions(stride: 2), bias: true),
        ConvCase(name: "3x2 stride (2,1) padding (1,0)", input: [1, 2, 6, 5], outChannels: 3, kernel: (3, 2),
                 options: Conv2dOptions(stride: (2, 1), padding: (1, 0)), bias: true),
    ]
}
