/// An authorized-keys file that could not be read or has a line that is not a CURVE public key.
package struct AuthorizedKeysError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file (or other source name) the keys came from.
    package let file: String
    /// The 1-based line at fault; `nil` when the file itself could not be read.
    package let line: Int?
    /// What is wrong and what would be valid.
    package let reason: String

    /// An error at `line` of `file` (or about the whole file when `line` is `nil`).
    package init(file: String, line: Int?, reason: String) {
        self.file = file
        self.line = line
        self.reason = reason
    }

    /// `file:line: reason`, the way compilers report positions.
    package var description: String {
        if let line { return "\(file):\(line): \(reason)" }
        return "\(file): \(reason)"
    }
}
