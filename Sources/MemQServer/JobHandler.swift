import Logging
import MemQCore
import MemQWire

/// What the daemon runs for each command that does work: the service layer plugs in here.
///
/// The daemon frames, queues, times and answers requests; a handler only turns a request body
/// into a result body. Calls arrive on worker threads, several at once, so a handler must be
/// `Sendable` and must not block on the daemon.
package protocol JobHandler: Sendable {
    /// Executes a fast command (estimate, sweep, fit, summary, models) and returns the reply body,
    /// the same JSON as the CLI's `--json` output for that command.
    ///
    /// - Parameters:
    ///   - command: One of the ``WireCommand/Lane/fast`` commands.
    ///   - body: The request body, a JSON object whose keys are the CLI's option names
    ///     (`{"model": "resnet50", "batch": 32, "dtype": "fp32"}`).
    ///   - logger: A logger carrying the request id as metadata.
    /// - Throws: ``WireError`` for a bad request: 400 with the `field` at fault, 404 for an unknown
    ///   model, 501 when this build cannot run the command.
    func handle(command: WireCommand, body: JSONValue, logger: Logger) throws(WireError) -> JSONValue

    /// ``handle(command:body:logger:)`` with the reply body serialized (compact JSON, keys sorted): what goes on
    /// the wire. The default serializes the `JSONValue`; a handler may write the bytes directly.
    func encodedReply(command: WireCommand, body: JSONValue, logger: Logger) throws(WireError) -> [UInt8]

    /// Whether `command` with `body` is known to finish in microseconds (no model to build from an inline spec, no
    /// grid), so the frontend may answer it itself while the fast pool is idle. The default is `false`: every request
    /// goes through the pool.
    func answersQuickly(command: WireCommand, body: JSONValue) -> Bool

    /// Gauges the handler adds to the metrics endpoint (`memqd_observations`), read at each scrape.
    func gauges() -> [(name: String, value: Double)]

    /// Runs a validation job (a real training step compared with the estimate).
    ///
    /// - Parameters:
    ///   - body: The request body, as for `memq validate --json`.
    ///   - limits: The configured limits; refuse (400, field "model" or "batch") a job whose
    ///     estimate exceeds ``ValidationLimits/maxEstimatedBytes``. The daemon enforces
    ///     ``ValidationLimits/maxSeconds`` by cancelling `cancel`.
    ///   - progress: Report how far the job is (0...1) and its phase ("estimate", "forward", ...).
    ///   - cancel: Check between steps; once set, stop and throw its ``CancellationFlag/error``.
    ///   - logger: A logger carrying the job id as metadata.
    /// - Returns: The result body.
    /// - Throws: ``WireError`` for a bad request or a failed run.
    func validate(body: JSONValue, limits: ValidationLimits, progress: @escaping @Sendable (Double, String) -> Void,
                  cancel: CancellationFlag, logger: Logger) throws(WireError) -> JSONValue
}

extension JobHandler {
    /// No request is known to be quick: all go through the pool.
    package func answersQuickly(command: WireCommand, body: JSONValue) -> Bool { false }

    /// None.
    package func gauges() -> [(name: String, value: Double)] { [] }

    /// The `JSONValue` reply, serialized.
    package func encodedReply(command: WireCommand, body: JSONValue, logger: Logger) throws(WireError) -> [UInt8] {
        try handle(command: command, body: body, logger: logger).bytes()
    }
}
