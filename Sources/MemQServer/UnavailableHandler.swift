import Logging
import MemQCore
import MemQWire

/// The handler of a build without the service layer: every command answers 501 "not available in
/// this build". It never invents results.
package struct UnavailableHandler: JobHandler {
    /// The handler.
    package init() {}

    /// Throws 501 for `command`.
    package func handle(command: WireCommand, body: JSONValue, logger: Logger) throws(WireError) -> JSONValue {
        throw .notImplemented(command.rawValue)
    }

    /// Throws 501 for validate.
    package func validate(body: JSONValue, limits: ValidationLimits, progress: @escaping @Sendable (Double, String) -> Void,
                          cancel: CancellationFlag, logger: Logger) throws(WireError) -> JSONValue {
        throw .notImplemented(WireCommand.validate.rawValue)
    }
}
