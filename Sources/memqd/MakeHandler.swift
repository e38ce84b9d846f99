import Logging
import MemQCore
import MemQServer
import MemQService
import MemQWire

/// THE place where memqd gets its command bodies: the service layer (`MemQService`, the same code the CLI runs
/// embedded) behind the daemon's `JobHandler` protocol. The daemon reads no files on a client's behalf: models are
/// zoo names or inline specs.
func makeHandler(config: ServerConfig) -> any JobHandler {
    ServiceHandler(service: MemQService(allowFiles: false))
}

/// Adapts `MemQService` to the daemon's handler protocol.
struct ServiceHandler: JobHandler {
    let service: MemQService

    func handle(command: WireCommand, body: JSONValue, logger: Logger) throws(WireError) -> JSONValue {
        try service.handle(command, body: body)
    }

    func validate(body: JSONValue, limits: ValidationLimits, progress: @escaping @Sendable (Double, String) -> Void,
                  cancel: CancellationFlag, logger: Logger) throws(WireError) -> JSONValue {
        throw .notImplemented(WireCommand.validate.rawValue)
    }
}
