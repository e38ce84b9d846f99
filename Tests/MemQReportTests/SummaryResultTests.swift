import Foundation
import Testing
import MemQCore
import MemQReport
import MemQZoo

/// `SummaryResult` against LeNet-5 worked by hand, and its totals against its own layers.
@Suite struct SummaryResultTests {
    static func summary(_ name: String, batch: Int = 1, dtype: DType = .float32) throws -> SummaryResult {
        try SummaryResult(try ModelSource(name).analysis(), batch: batch, dtype: dtype)
    }

    /// LeNet-5 by hand. MACs: conv1 6*28*28*25 = 117,600; conv2 16*10*10*150 = 240,000; fc 400*120 + 120*84 + 84*10
    /// = 58,920; total 416,520. Exact FLOPs (2K per output with bias, 1 per ReLU/max-pool output): conv1 235,200,
    /// relu1 4,704, pool1 1,176, conv2 480,000, relu2 1,600, pool2 400, fc1 96,000, relu3 120, fc2 20,160, relu4 84,
    /// fc3 1,680; total 841,124. Output bytes (fp32): 4*(1024 + 4704*2 + 1176 + 1600*2 + 400*2 + 120*2 + 84*2 + 10)
    /// = 64,104.
    @Test func lenet5ByHand() throws {
        let s = try Self.summary("lenet5")
        #expect(s.model == "lenet5")
        #expect(s.inputShape == [1, 32, 32])
        #expect(s.params.total == 61_706)
        #expect(s.params.trainable == 61_706)
        #expect(s.params.buffers == 0)
        #expect(s.macs == 416_520)
        #expect(s.flops == 833_040)
        #expect(s.flopsExact == 841_124)
        #expect(s.outputBytes == 64_104)
        #expect(s.parameterBytes == 61_706 * 4)
        #expect(s.layers.first?.op == "input")
        #expect(s.layers.last?.outputShape == [1, 10])
    }

    @Test func batchMultipliesActivationsNotWeights() throws {
        let one = try Self.summary("lenet5")
        let eight = try Self.summary("lenet5", batch: 8, dtype: .float16)
        #expect(eight.params == one.params)
        #expect(eight.macs == 8 * 416_520)
        #expect(eight.flopsExact == 8 * 841_124)
        #expect(eight.outputBytes == 8 * 64_104 / 2)
        #expect(eight.parameterBytes == 61_706 * 2)
        #expect(eight.layers.last?.outputShape == [8, 10])
    }

    @Test("totals are the sums of the layers", arguments: ["lenet5", "resnet18", "alexnet"])
    func totalsAreSums(_ name: String) throws {
        let s = try Self.summary(name, batch: 4)
        #expect(s.params.total == s.layers.reduce(0) { $0 + $1.params })
        #expect(s.params.buffers == s.layers.reduce(0) { $0 + $1.buffers })
        #expect(s.macs == s.layers.reduce(0) { $0 + $1.macs })
        #expect(s.flops == 2 * s.macs)
        #expect(s.flopsExact == s.layers.reduce(0) { $0 + $1.flopsExact })
        #expect(s.outputBytes == s.layers.reduce(0) { $0 + $1.outputBytes })
        #expect(s.memoryAccessBytes == s.layers.reduce(0) { $0 + $1.memoryAccessBytes })
    }

    /// resnet18: 11,689,512 parameters (torchvision); 20 BatchNorm layers whose channels add up to 4,800, so
    /// 9,600 running-statistic buffers and 20 counters.
    @Test func resnet18Buffers() throws {
        let s = try Self.summary("resnet18")
        #expect(s.params.total == 11_689_512)
        #expect(s.params.buffers == 9_600)
        #expect(s.params.counters == 20)
        #expect(s.bufferBytes == 9_600 * 4 + 20 * 8)
    }

    @Test func jsonHasTheDocumentedKeys() throws {
        let s = try Self.summary("resnet18", batch: 2)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(s.renderJSON().utf8)) as? [String: Any])
        for key in ["model", "input_shape", "batch", "dtype", "params", "macs", "flops", "flops_exact", "layers",
                    "parameter_bytes", "buffer_bytes", "output_bytes", "memory_access_bytes"] {
            #expect(object[key] != nil, "missing top-level key \(key)")
        }
        let params = try #require(object["params"] as? [String: Any])
        #expect(params["total"] as? Int == 11_689_512)
        #expect(params["trainable"] as? Int == 11_689_512)
        #expect(params["buffers"] as? Int == 9_600)
        #expect(object["dtype"] as? String == "float32")
        #expect(object["batch"] as? Int == 2)
        #expect(object["input_shape"] as? [Int] == [3, 224, 224])
        #expect(object["flops"] as? Int == 2 * s.macs)
        let layers = try #require(object["layers"] as? [[String: Any]])
        #expect(layers.count == s.layers.count)
        for layer in layers {
            for key in ["name", "op", "output_shape", "params", "macs", "flops_exact", "output_bytes", "memory_access_bytes"] {
                #expect(layer[key] != nil, "layer \(layer["name"] ?? "?") lacks \(key)")
            }
        }
        #expect((layers.last?["output_shape"] as? [Int]) == [2, 1000])
    }

    @Test func jsonRoundTripRendersIdentically() throws {
        let s = try Self.summary("resnet18", batch: 3, dtype: .bfloat16)
        let decoded = try ResultJSON.decode(SummaryResult.self, from: Data(s.renderJSON().utf8))
        #expect(decoded == s)
        #expect(decoded.renderText() == s.renderText())
        #expect(decoded.renderCSV() == s.renderCSV())
    }

    @Test func jsonIsDeterministicWithSortedKeys() throws {
        let s = try Self.summary("lenet5")
        let text = s.renderJSON()
        #expect(text == (try Self.summary("lenet5")).renderJSON())
        #expect(text.hasPrefix("{\n  \"batch\" : 1,"))
        #expect(text.hasSuffix("}\n"))
    }

    @Test func rejectsZeroBatch() throws {
        let analysis = try ModelSource("lenet5").analysis()
        #expect(throws: ModelError.self) { try SummaryResult(analysis, batch: 0) }
    }

    @Test func overflowNamesTheLayer() throws {
        let analysis = try ModelSource("resnet18").analysis()
        do throws(ModelError) {
            _ = try SummaryResult(analysis, batch: Int.max / 2)
            Issue.record("a batch of Int.max / 2 did not overflow")
        } catch {
            #expect(error.description.contains("node '"), "\(error)")
        }
    }
}
