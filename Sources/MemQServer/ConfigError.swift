/// A daemon configuration that cannot be used: which file, which key, and what would be valid.
package struct ConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The configuration file, or "command line" for a flag.
    package let source: String
    /// The key (or flag) at fault; `nil` for the file as a whole.
    package let key: String?
    /// What is wrong and what would be valid.
    package let reason: String

    /// An error about `key` in `source`.
    package init(source: String, key: String?, reason: String) {
        self.source = source
        self.key = key
        self.reason = reason
    }

    /// "config/memqd.json: \"fast-workers\": must be an integer from 1 to 256, got \"two\"".
    package var description: String {
        if let key { return "\(source): \"\(key)\": \(reason)" }
        return "\(source): \(reason)"
    }
}
