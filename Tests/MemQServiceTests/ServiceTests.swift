import Foundation
import Testing
import MemQCore
import MemQReport
import MemQWire
@testable import MemQService

/// The service layer the CLI and memqd share: request bodies with the CLI's option names, the JSON contract of
/// each result, and errors that name the field.
@Suite struct ServiceTests {
    let service = MemQService(allowFiles: false)

    private func object(_ json: JSONValue) -> [String: JSONValue] {
        if case .object(let o) = json { return o }
        Issue.record("not an object: \(json)")
        return [:]
    }

    @Test func estimateContract() throws {
        let reply = try service.handle(.estimate, body: .object(["model": "resnet18", "batch": 8, "optimizer": "adam"]))
        let o = object(reply)
        for key in ["peak_bytes", "peak_at", "breakdown", "params", "macs", "method", "runtime", "dtype", "optimizer", "batch"] {
            #expect(o[key] != nil, "missing \(key)")
        }
        let breakdown = object(o["breakdown"] ?? .null)
        #expect(Set(breakdown.keys) == ["weights", "buffers", "gradients", "optimizer_state", "activations", "temporary", "input", "runtime_overhead"])
        // The breakdown adds up to the peak.
        let sum = breakdown.values.reduce(0) { if case .int(let i) = $1 { $0 + i } else { $0 } }
        #expect(o["peak_bytes"] == .int(sum))
        // resnet18 b8 adam: MemTracker's Total 346154784 plus the input batch 8*3*224*224*4 and labels 8*8.
        #expect(o["peak_without_input_bytes"] == .int(346_154_784))
        #expect(o["peak_bytes"] == .int(346_154_784 + 8 * 3 * 224 * 224 * 4 + 64))
        #expect(object(o["peak_at"] ?? .null)["phase"] == .string("backward"))
    }

    /// `micro-batch`, `micro_batch` and `microBatch` are the same option; a fourth spelling is an unknown field.
    @Test func optionSpellings() throws {
        #expect(RequestReader.spellings("micro-batch") == ["micro-batch", "micro_batch", "microBatch"])
        #expect(RequestReader.spellings("data-parallel") == ["data-parallel", "data_parallel", "dataParallel"])
        #expect(RequestReader.spellings("batch") == ["batch"])
        var peaks: [JSONValue] = []
        for key in ["micro-batch", "micro_batch", "microBatch"] {
            var body: [String: JSONValue] = ["model": "resnet18", "batch": 8]
            body[key] = 2
            peaks.append(object(try service.handle(.estimate, body: .object(body)))["peak_bytes"] ?? .null)
        }
        #expect(peaks[0] == peaks[1] && peaks[1] == peaks[2])
        let single = object(try service.handle(.estimate, body: .object(["model": "resnet18", "batch": 8])))
        #expect(peaks[0] != single["peak_bytes"], "micro-batches of 2 must change the peak")
        do throws(WireError) {
            _ = try service.handle(.estimate, body: .object(["model": "resnet18", "micro__batch": 2]))
            Issue.record("accepted micro__batch")
        } catch {
            #expect(error.field == "micro__batch")
        }
    }

    /// What memqd's frontend may answer itself: a CPU estimate of a zoo model already analysed at its default input;
    /// not the first request for a model, other inputs, GPU or native replays, inline specs, the models list,
    /// summaries, sweeps or fits.
    @Test func quickRequests() throws {
        #expect(!service.answersQuickly(.estimate, body: ["model": "mobilenet_v3_small"]), "not analysed yet")
        _ = try service.estimate(["model": "mobilenet_v3_small"])
        #expect(service.answersQuickly(.estimate, body: ["model": "mobilenet_v3_small", "batch": 64]))
        #expect(service.answersQuickly(.estimate, body: ["model": "mobilenet_v3_small", "runtime": "pytorch", "optimizer": "adam"]))
        #expect(!service.answersQuickly(.estimate, body: ["model": "mobilenet_v3_small", "input": [3, 160, 160]]))
        #expect(!service.answersQuickly(.estimate, body: ["model": "mobilenet_v3_small", "freeze": ["features"]]))
        _ = try service.estimate(["model": "resnet50"])
        #expect(!service.answersQuickly(.estimate, body: ["model": "resnet50", "gpu": "a100-40gb"]))
        #expect(!service.answersQuickly(.estimate, body: ["model": "resnet50", "runtime": "native"]))
        #expect(!service.answersQuickly(.models, body: [:]))
        #expect(!service.answersQuickly(.estimate, body: ["model": ["nodes": []]]))
        #expect(!service.answersQuickly(.estimate, body: [:]))
        #expect(!service.answersQuickly(.summary, body: ["model": "resnet50"]))
        #expect(!service.answersQuickly(.sweep, body: ["model": "resnet50"]))
        #expect(!service.answersQuickly(.fit, body: ["model": "resnet50", "budget": "24GiB"]))
    }

    @Test func sweepAndFitContracts() throws {
        let sweep = object(try service.handle(.sweep, body: .object(["model": "lenet5", "batch": "1,2,4..16", "dtype": "fp32,bf16", "optimizer": ["sgd", "adam"]])))
        guard case .array(let rows)? = sweep["rows"] else { Issue.record("no rows"); return }
        #expect(rows.count == 5 * 2 * 2)
        let fit = object(try service.handle(.fit, body: .object(["model": "resnet18", "budget": "2GiB", "margin": "5%"])))
        for key in ["max_batch", "peak_bytes", "next_peak_bytes", "budget_bytes", "margin"] { #expect(fit[key] != nil, "missing \(key)") }
        #expect(fit["budget_bytes"] == .int(2 << 30))
        #expect(fit["margin"] == .double(0.05))
        guard case .int(let peak)? = fit["peak_bytes"], case .int(let next)? = fit["next_peak_bytes"] else { return }
        let usable = Int(Double(2 << 30) * 0.95)
        #expect(peak <= usable && next > usable)
    }

    @Test(arguments: [
        (#"{"model": "resnet18", "batch": 0}"#, "batch", 400),
        (#"{"model": "resnet18", "batch": -4}"#, "batch", 400),
        (#"{"model": "resnet18", "batch": "eight"}"#, "batch", 400),
        (#"{"model": "resnt18"}"#, "model", 404),
        (#"{"model": "resnet18", "optimizer": "adamm"}"#, "optimizer", 400),
        (#"{"model": "resnet18", "dtype": "fp8"}"#, "dtype", 400),
        (#"{"model": "resnet18", "gpu": "a100-41gb"}"#, "gpu", 404),
        (#"{"model": "resnet18", "runtime": "pytorch-cuda"}"#, "runtime", 400),
        (#"{"model": "resnet18", "batch": 1152921504606846976}"#, "batch", 400),
        (#"{"model": "resnet18", "bacth": 4}"#, "bacth", 400),
        (#"{"batch": 4}"#, "model", 400),
        (#"{"model": "/etc/passwd"}"#, "model", 400),
        (#"{"model": {"input": {"shape": [3, 8, 8]}, "nodes": [{"name": "c", "op": "conv2d", "out_channels": 4, "kernel": 9}]}}"#, "model", 400),
        (#"[1, 2]"#, "body", 400),
    ])
    func badRequests(body: String, field: String, status: Int) throws {
        let json = try JSONValue.parse(Data(body.utf8))
        do throws(WireError) {
            _ = try service.handle(.estimate, body: json)
            Issue.record("expected an error for \(body)")
        } catch {
            #expect(error.field == field, "\(error)")
            #expect(error.status.rawValue == status, "\(error)")
            #expect(!error.message.isEmpty)
        }
    }

    @Test func fitErrors() throws {
        do throws(WireError) {
            _ = try service.handle(.fit, body: .object(["model": "resnet50", "budget": "100MiB", "optimizer": "adam"]))
            Issue.record("expected an error")
        } catch {
            #expect(error.field == "budget")
            #expect(error.message.contains("weights"))
        }
        #expect(throws: WireError.self) { try service.handle(.fit, body: .object(["model": "resnet50"])) }
        #expect(throws: WireError.self) { try service.handle(.fit, body: .object(["model": "resnet50", "budget": "24G"])) }
    }

    /// 24GiB is 2^30-based, 24GB 10^9-based, raw bytes as given.
    @Test func budgetUnits() throws {
        for (text, bytes) in [("24GiB", 24 << 30), ("24GB", 24_000_000_000), ("25769803776", 25_769_803_776)] {
            let fit = object(try service.handle(.fit, body: .object(["model": "lenet5", "budget": .string(text)])))
            #expect(fit["budget_bytes"] == .int(bytes))
        }
    }

    /// The daemon's JSON decodes into the CLI's result and renders the same text as the embedded result.
    @Test func remoteAndEmbeddedRenderAlike() throws {
        let body: JSONValue = .object(["model": "mobilenet_v2", "batch": 16, "dtype": "bf16", "gpu": "l4", "runtime": "pytorch-cuda"])
        let embedded = try service.estimate(body)
        let wire = try service.handle(.estimate, body: body)
        let decoded = try ResultJSON.decode(EstimateResult.self, from: wire.serialized())
        #expect(decoded == embedded)
        #expect(decoded.renderText() == embedded.renderText())
        #expect(decoded.renderJSON() == embedded.renderJSON())
    }

    @Test func batchLists() throws {
        #expect(try MemQService.batchList(["1", "2", "4..512"]) == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512])
        #expect(try MemQService.batchList(["3..20"]) == [3, 6, 12])
        #expect(throws: WireError.self) { try MemQService.batchList(["0"]) }
        #expect(throws: WireError.self) { try MemQService.batchList(["8..4"]) }
    }

    @Test func summaryWithMemory() throws {
        let s = try service.summary(.object(["model": "resnet18", "batch": 2, "memory": true]))
        #expect(s.layers.allSatisfy { $0.savedBytes != nil })
        #expect(s.layers.contains { ($0.savedBytes ?? 0) > 0 })
    }
}
