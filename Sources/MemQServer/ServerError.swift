/// The daemon could not start: an infrastructure failure (bind, keys, threads).
package struct ServerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What failed and what would help.
    package let message: String
    /// The underlying error's description, if any.
    package let cause: String?

    /// A failure described by `message`, caused by `cause`.
    package init(_ message: String, cause: String? = nil) {
        self.message = message
        self.cause = cause
    }

    /// "message: cause".
    package var description: String {
        if let cause { return "\(message): \(cause)" }
        return message
    }
}
