// An operating-system call of the probe that failed.

/// A failed system call: which one, its errno, and what the probe was doing.
package struct ProbeSystemError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The errno value (0 when the failure has none).
    package var code: Int32
    /// What was being done, e.g. "posix_spawn /proc/self/exe".
    package var message: String
    /// The C function that failed.
    package var cause: String

    package init(code: Int32, message: String, cause: String) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    package var description: String { "\(message): \(cause) failed with errno \(code)" }
}
