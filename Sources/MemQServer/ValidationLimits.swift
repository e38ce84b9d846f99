/// The limits a validation job runs under, from the configuration.
package struct ValidationLimits: Sendable, Hashable {
    /// The largest estimated peak memory, in bytes, the daemon agrees to validate (a real step of a
    /// bigger network would take the host's memory); the handler refuses larger ones with 400.
    package var maxEstimatedBytes: Int
    /// The longest a validation job may run, in seconds; after that it fails with 408.
    package var maxSeconds: Double

    /// Limits of `maxEstimatedBytes` and `maxSeconds`.
    package init(maxEstimatedBytes: Int, maxSeconds: Double) {
        self.maxEstimatedBytes = maxEstimatedBytes
        self.maxSeconds = maxSeconds
    }
}
