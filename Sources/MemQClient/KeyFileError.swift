/// A CURVE key file that could not be written, read, or does not hold a valid key.
package struct KeyFileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file at fault.
    package let path: String
    /// What is wrong and what would be valid.
    package let reason: String

    /// An error about the key file at `path`.
    package init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    /// "path: reason".
    package var description: String { "\(path): \(reason)" }
}
