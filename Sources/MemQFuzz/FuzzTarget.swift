import Foundation
import MemQCore
import MemQService
import MemQWire

/// The readers that take bytes from outside, one fuzz target each (scripts/fuzz.sh, docs/reliability.md).
///
/// `run` must return for every input: a reader that traps, overflows the stack or never returns is the bug the
/// fuzzer looks for. Each target also checks a property that must hold for any input it accepts.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// `JSONValue.parse`: anything it accepts serialises to JSON that parses back to the same serialisation.
    case json
    /// `ModelSpec.graph(from:)`, then shape inference and counting, then a batch-2 estimate (specs up to 2,000 nodes).
    case spec
    /// Request bodies as memqd reads them: `estimate`, `summary`, `latency` and `plan` of the same body.
    case body
    /// The wire frames after the routing envelope (`WireEnvelope.split`, `WireRequest.decode`) and replies
    /// (`WireReply.decode`), and MDP/0.2 worker messages (`MDP.parseWorker`, `MDP.addressed`). The input is split into frames at every 0xFF byte.
    case frame

    /// Runs one input through the target.
    public func run(_ bytes: [UInt8]) {
        switch self {
        case .json: Self.json(bytes)
        case .spec: Self.spec(bytes)
        case .body: Self.body(bytes)
        case .frame: Self.frame(bytes)
        }
    }

    static func json(_ bytes: [UInt8]) {
        guard let value = try? JSONValue.parse(bytes: bytes) else { return }
        let once = [UInt8](value.serialized())
        guard let again = try? JSONValue.parse(bytes: once) else {
            fatalError("serialised JSON does not parse: \(String(decoding: once.prefix(200), as: UTF8.self))")
        }
        let twice = [UInt8](again.serialized())
        precondition(once == twice, "serialisation is not stable: \(String(decoding: once.prefix(200), as: UTF8.self))")
    }

    static func spec(_ bytes: [UInt8]) {
        guard let graph = try? ModelSpec.graph(from: Data(bytes)), graph.nodes.count <= 2000,
              let analysis = try? ModelAnalysis(graph) else { return }
        _ = try? Estimator.estimate(analysis, TrainingConfig(batch: 2))
    }

    static let service = MemQService(allowFiles: false)

    static func body(_ bytes: [UInt8]) {
        guard bytes.count <= 16 << 10, let body = try? JSONValue.parse(bytes: bytes) else { return }
        for command in [WireCommand.estimate, .summary, .latency, .plan] {
            _ = try? service.handle(command, body: body)
        }
    }

    static func frame(_ bytes: [UInt8]) {
        let frames = bytes.split(separator: 0xFF, omittingEmptySubsequences: false).map { Array($0) }
        _ = try? WireReply.decode(frames)
        // MDP/0.2 worker messages as the broker and the worker read them, with their MEMQ/1 bodies.
        if let message = MDP.parseWorker(frames[...]), let (_, body) = MDP.addressed(message.rest) {
            _ = try? WireReply.decode(Array(body))
            _ = try? WireRequest.decode(body, maxBodyBytes: 1 << 20)
        }
        guard let (_, payload) = WireEnvelope.split(frames) else { return }
        _ = try? WireRequest.decode(payload, maxBodyBytes: 1 << 20)
    }
}
