import Foundation
import Logging
import MemQCore
import MemQProbe
import MemQReport
import MemQServer
import MemQService
import MemQStore
import MemQWire
import ArgumentParser

/// THE place where memqd gets its command bodies: the service layer (`MemQService`, the same code the CLI runs
/// embedded) behind the daemon's `JobHandler` protocol. The daemon reads no files on a client's behalf: models are
/// zoo names or inline specs. Validation children are the `memq` binary installed beside memqd.
func makeHandler(config: ServerConfig) throws -> any JobHandler {
    var store: ObservationStore? = nil
    if let path = config.observationsDB {
        do { store = try ObservationStore(path: path) } catch { throw ValidationError("--observations-db: \(error)") }
    }
    return ServiceHandler(service: MemQService(allowFiles: false, observations: store),
                          requestTimeoutSeconds: config.requestTimeoutSeconds)
}

/// Adapts `MemQService` to the daemon's handler protocol.
struct ServiceHandler: JobHandler {
    let service: MemQService
    /// Each request's `WorkBudget` (0: none): past it the request is answered 408 and the worker is free again.
    var requestTimeoutSeconds = 0.0

    func handle(command: WireCommand, body: JSONValue, logger: Logger) throws(WireError) -> JSONValue {
        try budgeted { () throws(WireError) in try service.handle(command, body: body) }
    }

    /// Estimates write their JSON directly (no `JSONValue` tree): the daemon's most frequent reply.
    func encodedReply(command: WireCommand, body: JSONValue, logger: Logger) throws(WireError) -> [UInt8] {
        try budgeted { () throws(WireError) in
            if command == .estimate { return try service.estimate(body).jsonBytes() }
            if command == .batch { return try service.batchBytes(body) }
            return try service.handle(command, body: body).bytes()
        }
    }

    private func budgeted<T>(_ body: () throws(WireError) -> T) throws(WireError) -> T {
        do {
            return try WorkBudget.run(seconds: requestTimeoutSeconds, body)
        } catch let error as WireError {
            throw error
        } catch {
            throw WireError(status: .internalError, code: "internal", message: "\(error)")
        }
    }

    func answersQuickly(command: WireCommand, body: JSONValue) -> Bool {
        service.answersQuickly(command, body: body)
    }

    func gauges() -> [(name: String, value: Double)] {
        guard let store = service.observations else { return [] }
        return [("memqd_observations", Double(store.count()))]
    }

    func validate(body: JSONValue, limits: ValidationLimits, progress: @escaping @Sendable (Double, String) -> Void,
                  cancel: CancellationFlag, logger: Logger) throws(WireError) -> JSONValue {
        guard let memq = Self.memqBeside else {
            throw WireError(status: .notImplemented, code: "no_probe",
                            message: "validation needs the memq binary beside memqd (\(Self.directory.path)); build both (swift build -c release)")
        }
        do {
            return try service.validate(
                body, limits: .init(maxEstimatedBytes: limits.maxEstimatedBytes, maxSeconds: limits.maxSeconds),
                launcher: .memq(at: memq), progress: progress, isCancelled: { cancel.isCancelled })
        } catch {
            if cancel.isCancelled, let reason = cancel.error { throw reason }
            throw error
        }
    }

    static let directory = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()

    /// The `memq` executable in memqd's own directory, if there is one.
    static let memqBeside: String? = {
        let path = directory.appendingPathComponent("memq").path
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }()
}
