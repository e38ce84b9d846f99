import Foundation
import Logging
import MemQCore
import MemQWire

/// A handler for tests and benchmarks of the daemon itself (`memqd --test-handler echo|slow`),
/// never for users: it computes nothing, it echoes.
///
/// Fast commands answer `{"command": ..., "echo": body}`. The body may steer it:
/// - `"sleep_ms": N` waits N ms first (in 10 ms steps);
/// - `"fail": {"status": 400, "code": ..., "message": ..., "field": ...}` throws that error;
/// - `"crash": true` returns from a validation as if the engine failed (500).
///
/// Validation walks through phases for `"duration_ms"` (default 200 ms), reporting progress and
/// honouring cancellation, then answers `{"validated": true, "echo": body}`.
package struct DiagnosticHandler: JobHandler {
    /// The delay (ms) applied to fast commands whose body has no `sleep_ms`.
    package var defaultDelayMs: Int

    /// A handler; `defaultDelayMs` > 0 makes every fast command slow.
    package init(defaultDelayMs: Int = 0) {
        self.defaultDelayMs = defaultDelayMs
    }

    /// Echoes `body` after the requested delay, or throws the requested error.
    package func handle(command: WireCommand, body: JSONValue, logger: Logger) throws(WireError) -> JSONValue {
        try Self.failIfAsked(body)
        let delay = Self.int(body["sleep_ms"]) ?? defaultDelayMs
        if delay > 0 { Thread.sleep(forTimeInterval: Double(delay) / 1000) }
        return .object(["command": .string(command.rawValue), "echo": body])
    }

    /// Quick unless it is asked to sleep.
    package func answersQuickly(command: WireCommand, body: JSONValue) -> Bool {
        (Self.int(body["sleep_ms"]) ?? defaultDelayMs) == 0
    }

    /// Pretends to validate for `duration_ms`, in 20 steps.
    package func validate(body: JSONValue, limits: ValidationLimits, progress: @escaping @Sendable (Double, String) -> Void,
                          cancel: CancellationFlag, logger: Logger) throws(WireError) -> JSONValue {
        try Self.failIfAsked(body)
        let duration = Self.int(body["duration_ms"]) ?? 200
        let phases = ["estimate", "build", "forward", "backward", "optimizer step", "measure"]
        let steps = 20
        for step in 0..<steps {
            try cancel.check()
            progress(Double(step) / Double(steps), phases[step * phases.count / steps])
            Thread.sleep(forTimeInterval: Double(duration) / 1000 / Double(steps))
        }
        try cancel.check()
        if body["crash"] == .bool(true) {
            throw .internalError("the test engine failed on purpose (\"crash\": true)")
        }
        progress(1, "done")
        return .object(["validated": .bool(true), "echo": body])
    }

    /// Throws the error described by the body's `fail` object, if any.
    private static func failIfAsked(_ body: JSONValue) throws(WireError) {
        guard let fail = body["fail"] else { return }
        let status = int(fail["status"]) ?? 400
        var message = "failed on purpose"
        if case .string(let text)? = fail["message"] { message = text }
        var code = "test_failure"
        if case .string(let text)? = fail["code"] { code = text }
        var field: String?
        if case .string(let text)? = fail["field"] { field = text }
        throw WireError(status: WireStatus(rawValue: status), code: code, message: message, field: field)
    }

    /// An integer field.
    private static func int(_ value: JSONValue?) -> Int? {
        switch value {
        case .int(let number)?: number
        case .double(let number)?: Int(number)
        default: nil
        }
    }
}
