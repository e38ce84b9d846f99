import Testing
import MemQCore
@testable import MemQZoo

/// YOLOv3 against the reference implementations' counts (darknet yolov3.cfg as built by ultralytics/yolov3 and
/// eriklindernoren/PyTorch-YOLOv3: 61,949,149 trainable parameters, 62,001,757 in the state dict with BatchNorm's
/// running statistics).
@Suite struct YOLOv3Tests {
    /// By hand: a conv+BN of k x k from cin to cout has k*k*cin*cout weights, 2*cout trainable BN parameters and
    /// 2*cout running statistics.
    /// Darknet-53: 3->32 3x3 (864 + BN 64); stage convs 32->64, 64->128, 128->256, 256->512, 512->1024 at 3x3, stride 2
    /// (18,432 + 73,728 + 294,912 + 1,179,648 + 4,718,592 = 6,285,312, BN 2*(64+128+256+512+1024) = 3,968); residual
    /// pairs (w -> w/2 1x1, w/2 -> w 3x3: w^2/2 + 9w^2/2 = 5w^2, BN 2*(w/2 + w) = 3w) 1x64, 2x128, 8x256, 8x512, 4x1024:
    /// 20,672 + 2*82,304 + 8*328,448 + 8*1,312,256 + 4*5,245,952 = 34,294,720. Backbone 928 + 6,289,280 + 34,294,720
    /// = 40,584,928.
    /// A head of width m after cin channels: 1x1 cin->m, 3x3 m->2m, 1x1 2m->m, 3x3, 1x1, 3x3 (cin*m + 54m^2 + 4m^2,
    /// BN 2*9m) and the output conv 2m->255 with bias (510m + 255).
    /// Head 1 (1024, 512): 15,728,640 + 9,216 + 261,375 = 15,999,231; bridge 1x1 512->256: 131,072 + 512 = 131,584;
    /// head 2 (256 + 512 = 768, 256): 3,997,696 + 4,608 + 130,815 = 4,133,119; bridge 256->128: 32,768 + 256 = 33,024;
    /// head 3 (128 + 256 = 384, 128): 999,424 + 2,304 + 65,535 = 1,067,263.
    /// Trainable: 40,584,928 + 15,999,231 + 131,584 + 4,133,119 + 33,024 + 1,067,263 = 61,949,149.
    /// Running statistics = BN parameters: 64 + 3,968 + 31,680 (residuals) + 9,216 + 512 + 4,608 + 256 + 2,304 = 52,608.
    @Test func parameterCounts() throws {
        let analysis = try ModelAnalysis(try Zoo.entry(named: "yolov3")!.graph())
        // Independent sum of every conv layer of yolov3.cfg (k, cin, cout, batch-normalised), in file order.
        var layers: [(Int, Int, Int, Bool)] = [(3, 3, 32, true)]
        var c = 32
        for (w, n) in [(64, 1), (128, 2), (256, 8), (512, 8), (1024, 4)] {
            layers.append((3, c, w, true)); c = w
            for _ in 0..<n { layers += [(1, w, w / 2, true), (3, w / 2, w, true)] }
        }
        for (cin, m) in [(1024, 512), (768, 256), (384, 128)] {
            if m != 512 { layers.append((1, 2 * m, m, true)) }            // the bridge before the upsample
            layers += [(1, cin, m, true), (3, m, 2 * m, true), (1, 2 * m, m, true), (3, m, 2 * m, true),
                       (1, 2 * m, m, true), (3, m, 2 * m, true), (1, 2 * m, 255, false)]
        }
        let trainable = layers.reduce(0) { $0 + $1.0 * $1.0 * $1.1 * $1.2 + 2 * $1.2 * ($1.3 ? 1 : 0) + ($1.3 ? 0 : $1.2) }
        let statistics = layers.reduce(0) { $0 + ($1.3 ? 2 * $1.2 : 0) }
        #expect(layers.count == 75)
        #expect(trainable == 61_949_149)
        #expect(statistics == 52_608)
        #expect(analysis.params.trainable == 61_949_149)
        #expect(analysis.params.buffers == 52_608)
        #expect(analysis.params.trainable + analysis.params.buffers == 62_001_757)
    }

    /// Three heads at strides 32, 16, 8 of a 416x416 input: 3 anchors x (13^2 + 26^2 + 52^2) = 10,647 boxes of
    /// 4 + 1 + 80 values.
    @Test func outputJoinsTheThreeHeads() throws {
        let entry = try #require(Zoo.entry(named: "yolov3"))
        #expect(entry.defaultInput == [3, 416, 416])
        let analysis = try ModelAnalysis(try entry.graph())
        #expect(analysis.layers[analysis.outputIndex].outputShape.dims == [10_647, 85])
        let at608 = try ModelAnalysis(try entry.build([3, 608, 608]))
        #expect(at608.layers[at608.outputIndex].outputShape.dims == [3 * (19 * 19 + 38 * 38 + 76 * 76), 85])
        #expect(throws: ModelError.self) { try entry.build([3, 400, 400]) }
    }
}
