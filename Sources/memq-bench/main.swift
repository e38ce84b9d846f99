import Foundation
import MemQCore
import MemQEngine
import MemQReport
import MemQService
import MemQWire
import MemQZoo

// memq-bench: times estimates in-process (scripts/bench-estimate.sh runs it in release mode).
// Prints one JSON object. Each figure is the median of repeated runs, in microseconds.

func median(_ xs: [Double]) -> Double { let s = xs.sorted(); return s[s.count / 2] }

func time(_ repeats: Int, _ body: () throws -> Void) rethrows -> Double {
    var samples: [Double] = []
    let clock = ContinuousClock()
    for _ in 0..<repeats {
        let d = try clock.measure { try body() }
        samples.append(Double(d.components.attoseconds) / 1e12 + Double(d.components.seconds) * 1e6)
    }
    return median(samples)
}

let model = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "resnet50"
guard let entry = Zoo.entry(named: model) else { fatalError("unknown model \(model)") }
let clock = ContinuousClock()
var analysis: ModelAnalysis! = nil
let analyzeTime = time(20) { analysis = try! ModelAnalysis(try! entry.graph()) }

// Cold: a fresh analysis, so the step is recorded again (two simulations), then replayed.
let cold = time(10) {
    let a = try! ModelAnalysis(try! entry.graph())
    _ = try! Estimator.estimate(a, TrainingConfig(batch: 32, optimizer: .adam))
}
// Warm: the recorded step replayed for each batch.
var warm: [String: Double] = [:]
for batch in [1, 32, 512] {
    warm["\(batch)"] = time(200) { _ = try! Estimator.estimate(analysis, TrainingConfig(batch: batch, optimizer: .adam)) }
}
let gpu = GPUProfile.named("a100-40gb")!
let warmCUDA = time(100) { _ = try! Estimator.estimate(analysis, TrainingConfig(batch: 32, optimizer: .adam, runtime: .pytorchCUDA, gpu: gpu)) }
let batches = (0..<13).map { 1 << $0 }
let sweep = time(50) { for b in batches { _ = try! Estimator.estimate(analysis, TrainingConfig(batch: b, optimizer: .adam)) } }
let fit = time(50) { _ = try! Estimator.fit(analysis, TrainingConfig(batch: 1, optimizer: .adam, gpu: gpu), budget: gpu.memoryBytes, margin: 0.05) }
let seed = time(200) { _ = try! Estimator.estimate(analysis, TrainingConfig(batch: 32, optimizer: .adam), method: .seed) }

let result: [String: Any] = [
    "model": model,
    "analysis_us": analyzeTime,
    "estimate_cold_us": cold,
    "estimate_warm_us": warm,
    "estimate_warm_pytorch_cuda_us": warmCUDA,
    "sweep_13_points_us": sweep,
    "fit_us": fit,
    "seed_us": seed,
]
_ = clock

// The daemon's fast path without the transport: a request body in, a reply body out.
let service = MemQService(allowFiles: false)
let body: JSONValue = ["model": .string(model), "batch": 32, "optimizer": "adam"]
let handled = time(500) { _ = try! service.handle(.estimate, body: body) }
let parsedBody = Data(#"{"model": "resnet50", "batch": 32, "optimizer": "adam"}"#.utf8)
let parse = time(500) { _ = try! JSONValue.parse(parsedBody) }
let reply = try! service.handle(.estimate, body: body)
let serialize = time(500) { _ = reply.serialized() }
let typed = time(500) { _ = try! service.estimate(body) }
let resultValue = try! service.estimate(body)
let encode = time(500) { _ = ResultJSON.value(resultValue) }
// The slow way: the native engine's forward pass of the same model at batch 1 (building the model included, as a
// tool that runs the model must). Three runs, the median.
let engineForward = time(3) {
    let executor = try! GraphExecutor<Float>(analysis: analysis, batch: 1, optimizer: .sgd)
    _ = executor.forward()
    executor.discardGraph()
}

// A transformer from its Hugging Face config: LLaMA-3-8B (the zoo's llama_3_8b keys) at 4,096 tokens, bf16, AdamW.
// Cold: read the config, build and analyse the graph, record the step, estimate; warm: the recorded step replayed.
let llama = Zoo.entry(named: "llama_3_8b")!
let hfOptions = HFBuildOptions(implementation: .sdpa, onCUDA: false, dtype: .bfloat16)
let hfConfig = TrainingConfig(batch: 4, dtype: .bf16, optimizer: .adamw)
let hfCold = time(5) {
    let a = try! ModelAnalysis(try! llama.build([4096], options: hfOptions))
    _ = try! Estimator.estimate(a, hfConfig)
}
let hfAnalysis = try! ModelAnalysis(try! llama.build([4096], options: hfOptions))
_ = try! Estimator.estimate(hfAnalysis, hfConfig)
let hfWarm = time(200) { _ = try! Estimator.estimate(hfAnalysis, hfConfig) }

var all = result
all["hf_llama3_8b_nodes"] = hfAnalysis.layers.count
all["hf_llama3_8b_s4096_cold_us"] = hfCold
all["hf_llama3_8b_s4096_warm_us"] = hfWarm
all["engine_forward_us"] = engineForward
all["service_handle_us"] = handled
all["service_typed_estimate_us"] = typed
all["service_result_encode_us"] = encode
all["body_parse_us"] = parse
all["reply_serialize_us"] = serialize
let data = try! JSONSerialization.data(withJSONObject: all, options: [.prettyPrinted, .sortedKeys])
print(String(decoding: data, as: UTF8.self))
