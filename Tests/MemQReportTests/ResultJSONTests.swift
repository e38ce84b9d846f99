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
        TrainingConfig(batch: 8, optimizer: .adam, dataParallel: 8, zeroStage: 3),
        TrainingConfig(batch: 8, optimizer: .adam, dataParallel: 4),
    ])
    func estimateBytesEqualEncodable(config: TrainingConfig) throws {
        let result = EstimateResult(try Estimator.estimate(Self.resnet, config), model: "resnet18", inputShape: [3, 224, 224])
        let encoded = try JSONValueEncoder.encode(result)
        #expect(result.jsonBytes() == encoded.bytes(), "\(String(decoding: result.jsonBytes(), as: UTF8.self))")
    }

    /// Data-parallel figures are per device: the header and the JSON say so (`data-parallel 8 zero 3`), and a
    /// single-device estimate says `data_parallel` 1, `zero` 0 in JSON and nothing in the header.
    @Test func dataParallelIsReported() throws {
        let config = TrainingConfig(batch: 8, optimizer: .adam, dataParallel: 8, zeroStage: 3)
        let sharded = EstimateResult(try Estimator.estimate(Self.resnet, config), model: "resnet18", inputShape: [3, 224, 224])
        let header = sharded.renderText().split(separator: "\n").first.map(String.init) ?? ""
        #expect(header.contains("  data-parallel 8 zero 3"), "\(header)")
        let json = try JSONValueEncoder.encode(sharded)
        #expect(json["data_parallel"] == .int(8))
        #expect(json["zero"] == .int(3))

        let ddp = EstimateResult(try Estimator.estimate(Self.resnet, TrainingConfig(batch: 8, dataParallel: 4)),
                                 model: "resnet18", inputShape: [3, 224, 224])
        let ddpHeader = ddp.renderText().split(separator: "\n").first.map(String.init) ?? ""
        #expect(ddpHeader.contains("  data-parallel 4") && !ddpHeader.contains("zero"), "\(ddpHeader)")

        let single = EstimateResult(try Estimator.estimate(Self.resnet, TrainingConfig(batch: 8)), model: "resnet18", inputShape: [3, 224, 224])
        #expect(!single.renderText().contains("data-parallel"))
        let singleJSON = try JSONValueEncoder.encode(single)
        #expect(singleJSON["data_parallel"] == .int(1))
        #expect(singleJSON["zero"] == .int(0))
    }
}
