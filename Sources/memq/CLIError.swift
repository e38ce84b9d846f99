/// A failure the CLI itself detects (a flag combination, a feature not there yet), printed as `memq: error: <message>`.
struct CLIError: Error, CustomStringConvertible {
    /// The whole message: what is wrong and what would be valid.
    let description: String

    init(_ description: String) { self.description = description }
}
