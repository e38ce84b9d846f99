import Foundation
import Testing
import MemQCore
@testable import MemQZoo

/// Zoo CNNs outside the calibration set against PyTorch's own accounting, measured by us with the calibration
/// file's procedure (MemTracker under FakeTensorMode, torchvision 0.29.2 models in train mode, batch 2, SGD, fp32,
/// `cross_entropy(model(x).float(), y)`; Inception v3 `ce(logits) + 0.4 * ce(aux_logits)`, torchvision's reference
/// training script), the script first checked to reproduce calibration rows to the byte.
///
/// GoogLeNet and Inception v3 transform their input (`x[:, c]`, torchvision's `_transform_input`): the view makes
/// MemTracker count the input batch's storage (3 x 224 x 224 x 2 x 4 = 1,204,224 bytes; 1,204,224 x 299² / 224² for
/// Inception's 299 x 299), as GPT-2's `input_ids.view` does (HFCalibrationTests). MemQ's peak less the input plus
/// that input is then the tracker's figure.
@Suite struct HeldOutCNNTests {
    static func estimate(_ name: String, _ input: [Int]) throws -> Estimate {
        let graph = try #require(Zoo.entry(named: name)).build(input)
        return try Estimator.estimate(try ModelAnalysis(graph), TrainingConfig(batch: 2))
    }

    /// DenseNet-121 (`memory_efficient=False`): 297,379,600 bytes.
    @Test func densenet121() throws {
        #expect(try Self.estimate("densenet121", [3, 224, 224]).peakWithoutInput == 297_379_600)
    }

    /// GoogLeNet (`transform_input=True`, no aux heads in torchvision's weights): 134,759,568 bytes.
    @Test func googlenet() throws {
        let e = try Self.estimate("googlenet", [3, 224, 224])
        #expect(e.peakWithoutInput + 2 * 3 * 224 * 224 * 4 == 134_759_568)
    }

    /// Inception v3 with its auxiliary classifier in the loss: 368,872,120 bytes, the peak in `AuxLogits`' backward
    /// (the aux head's gradient arrives after the main trunk above it).
    @Test func inceptionV3() throws {
        let e = try Self.estimate("inception_v3", [3, 299, 299])
        #expect(e.peakWithoutInput + 2 * 3 * 299 * 299 * 4 == 368_872_120)
        #expect(e.peakAt.node.hasPrefix("AuxLogits"))
    }
}
