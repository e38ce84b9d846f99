import Testing
import MemQCore
import MemQReport
import MemQZoo

/// The directly written JSON of `estimate` (the daemon's reply) equals its `Encodable` encoding, optionals included.
@Suite struct ResultJSONTests {
    static let resnet = try! ModelSource("resnet18").analysis()

    @Test(arguments: [
        TrainingConfig(batch: 8, optimizer: .adam),
        TrainingConfig(batch: 32, dtype: .bf16, optimizer: .sgd, microBatch: 8),
        TrainingConfig(batch: 4, optimizer: .momentum, runtime: .pytorchCUDA, gpu: GPUProfile.named("a100-40gb")),
        TrainingConfig(batch: 2, optimizer: .rmsprop, runtime: .native),
    ])
    func estimateBytesEqualEncodable(config: TrainingConfig) throws {
        let result = EstimateResult(try Estimator.estimate(Self.resnet, config), model: "resnet18", inputShape: [3, 224, 224])
        let encoded = try JSONValueEncoder.encode(result)
        #expect(result.jsonBytes() == encoded.bytes(), "\(String(decoding: result.jsonBytes(), as: UTF8.self))")
    }
}
